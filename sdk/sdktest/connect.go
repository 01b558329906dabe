package sdktest

import (
	"context"
	"math"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/procman-dev/procman/sdk"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

// infoTimeout bounds the Info call that Connect makes, as a host bounds a
// plugin's start.
const infoTimeout = 5 * time.Second

// Connect serves p in this process over a real gRPC connection, with the
// glue that sdk.Serve uses on the plugin's side and a procman host uses on
// its own, and returns the host's side: what a host would be talking to if
// p were a plugin binary. Every call through the result goes over the wire
// protocol, so a test of it sees what a host sees: strings travel as bytes,
// Env as a list of key/value pairs, an error the plugin returns arrives as a
// *sdk.PluginError carrying its message, and the caller's deadline reaches
// the plugin's ctx. Nil and empty Args or Env are one and the same on the
// wire: both arrive as nil.
//
// What p logs, through sdk.Logger or sdk.LoggerFrom, goes to the test's
// log (t.Log) as text, a line at a time, for the test's length: tests
// that use Connect must not run in parallel.
//
// The result's Info was fetched during Connect, which fails the test with
// t.Fatal if that takes more than 5 seconds. The connection and the server
// are shut down by t.Cleanup.
//
// p runs in the test's own process, so a panic in p ends the test binary,
// as it would end a plugin binary.
func Connect(t testing.TB, p sdk.Plugin) sdk.Plugin {
	t.Helper()
	server := serve(t, logging{p, captureLogs(t)})
	conn, err := grpc.NewClient("passthrough:///sdktest",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return server.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// As go-plugin's client does.
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(math.MaxInt32), grpc.MaxCallSendMsgSize(math.MaxInt32)),
	)
	if err != nil {
		t.Fatalf("sdktest: connecting to the plugin: %v", err)
	}
	t.Cleanup(func() { conn.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), infoTimeout)
	defer cancel()
	client, err := wire().Plugin(nil).GRPCClient(ctx, nil, conn)
	if err != nil {
		t.Fatalf("sdktest: connecting to the plugin: %v", err)
	}
	return client.(sdk.Plugin)
}

// serve serves p on an in-memory listener until the test's cleanup, and
// returns the listener to dial.
func serve(t testing.TB, p sdk.Plugin) *bufconn.Listener {
	t.Helper()
	listener := bufconn.Listen(1 << 20)
	server := plugin.DefaultGRPCServer(nil)
	if err := wire().Plugin(p).GRPCServer(nil, server); err != nil {
		t.Fatalf("sdktest: serving the plugin: %v", err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		server.Serve(listener)
	}()
	t.Cleanup(func() {
		server.Stop()
		<-served
	})
	return listener
}
