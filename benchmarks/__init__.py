"""Speed benchmarks (`make bench`): synthetic corpora built with and without the plugin."""
