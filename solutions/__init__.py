"Worked solutions to the exercises at the end of each notebook (see README.md)."
