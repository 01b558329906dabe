package sdk

// watchLifeline does nothing on Windows, where procman's host is not
// implemented yet and passes no lifeline.
func watchLifeline() {}
