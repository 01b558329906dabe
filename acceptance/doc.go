// Package acceptance holds procman's end-to-end tests: they build the
// procman binary and run it, as a user would, against real child processes.
//
// The tests run unprivileged too. Build the binaries into a directory every
// user can read and point the tests at them:
//
//	go test -c -o /tmp/x/acc.test ./acceptance
//	go build -o /tmp/x/procman ./cmd/procman
//	go build -o /tmp/x/testchild ./internal/testchild
//	go build -o /tmp/x/testplugin ./internal/testplugin
//	chmod -R a+rx /tmp/x && cd /tmp/x
//	setpriv --reuid=65534 --regid=65534 --clear-groups \
//		env PROCMAN_BIN=/tmp/x/procman PROCMAN_TESTCHILD=/tmp/x/testchild \
//		PROCMAN_TESTPLUGIN=/tmp/x/testplugin HOME=/tmp ./acc.test -test.v
package acceptance
