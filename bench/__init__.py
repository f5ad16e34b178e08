"""The benchmark suite (`make bench`, `make bench-small`): see bench/README.md."""
