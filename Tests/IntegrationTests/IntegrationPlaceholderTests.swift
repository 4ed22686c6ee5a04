// The integration suite is written by other helpers; this file only lets the target build on this branch.
