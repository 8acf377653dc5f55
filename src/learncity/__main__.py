"""`python -m learncity`: the same command as `learncity`."""

from learncity.cli import main

if __name__ == "__main__":  # a spawned worker process imports this module: it must not run
    main()
