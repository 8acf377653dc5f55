from learncity.cli import main

main()
