from orchestrix.cli import main

main()
