//go:build !procman_lean

package sdk

import (
	"context"
	"net"
	"testing"

	"github.com/procman-dev/procman/sdk/internal/pluginpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

// twoCalls serves Applicable and Enhance only, as a plugin written from
// the .proto alone may: no Apply.
type twoCalls struct {
	pluginpb.UnimplementedPluginServer
}

func (twoCalls) Info(context.Context, *pluginpb.InfoRequest) (*pluginpb.InfoResponse, error) {
	return &pluginpb.InfoResponse{Name: "two-calls", Version: "1"}, nil
}

func (twoCalls) Applicable(context.Context, *pluginpb.ApplicableRequest) (*pluginpb.ApplicableResponse, error) {
	return &pluginpb.ApplicableResponse{Applicable: true}, nil
}

func (twoCalls) Enhance(_ context.Context, req *pluginpb.EnhanceRequest) (*pluginpb.EnhanceResponse, error) {
	cfg := req.Config
	cfg.Env = append(cfg.Env, &pluginpb.EnvVar{Key: []byte("SET"), Value: []byte("by Enhance")})
	return &pluginpb.EnhanceResponse{Config: cfg}, nil
}

func TestApplyFallsBackToApplicableAndEnhance(t *testing.T) {
	listener := bufconn.Listen(1 << 20)
	server := grpc.NewServer()
	pluginpb.RegisterPluginServer(server, twoCalls{})
	go server.Serve(listener)
	t.Cleanup(server.Stop)
	conn, err := grpc.NewClient("passthrough:///two-calls",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return listener.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	client, err := (&grpcPlugin{}).GRPCClient(context.Background(), nil, conn)
	if err != nil {
		t.Fatal(err)
	}
	out, err := apply(context.Background(), client.(Plugin), ProcessConfig{Command: "/bin/true", User: "nobody"})
	if err != nil || !out.Applicable || out.Config.Env["SET"] != "by Enhance" || out.Config.User != "nobody" {
		t.Errorf("Apply = %+v, %v; want the plugin's change through Applicable and Enhance", out, err)
	}
}
