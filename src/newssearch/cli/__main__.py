"""``python -m newssearch.cli``: what replicas' publish and the tests start."""

from newssearch.cli.app import main

main()
