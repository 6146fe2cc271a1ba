"""Tools for the project's own checks that are neither tests nor benchmarks."""
