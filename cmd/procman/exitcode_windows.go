package main

// missingToExecute says what the system could not find to execute the
// program at path, which exists: Windows does not say which file it was.
func missingToExecute(string) string {
	return "the system cannot find a file it needs to start it"
}
