//go:build !procman_lean

package sdk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/hashicorp/go-plugin"
	"github.com/procman-dev/procman/internal/pluginwire"
	"github.com/procman-dev/procman/sdk/internal/pluginpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
)

// grpcPlugin is the go-plugin glue: it serves a Plugin over gRPC in a plugin
// binary, and gives a host a Plugin that calls it.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl Plugin // the plugin served (plugin side only)
}

// GRPCServer registers the plugin's service.
func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pluginpb.RegisterPluginServer(s, &grpcServer{impl: p.impl})
	return nil
}

// GRPCClient returns a Plugin that calls the plugin process over conn. It
// asks the plugin's Info at once, so that the Plugin's Info method never
// makes a call; go-plugin gives ctx no deadline, so a host bounds the
// dispense itself.
func (p *grpcPlugin) GRPCClient(ctx context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	c := &grpcClient{client: pluginpb.NewPluginClient(conn)}
	resp, err := c.client.Info(ctx, &pluginpb.InfoRequest{})
	if err != nil {
		return nil, fmt.Errorf("info: %w", fromStatus(err))
	}
	c.info = Info{
		Name:        resp.Name,
		Version:     resp.Version,
		Priority:    int(resp.Priority),
		Description: resp.Description,
	}
	return c, nil
}

type grpcServer struct {
	pluginpb.UnimplementedPluginServer
	impl Plugin
}

func (s *grpcServer) Info(context.Context, *pluginpb.InfoRequest) (*pluginpb.InfoResponse, error) {
	info := s.impl.Info()
	return &pluginpb.InfoResponse{
		Name:        info.Name,
		Version:     info.Version,
		Priority:    int32(min(max(info.Priority, math.MinInt32), math.MaxInt32)),
		Description: info.Description,
	}, nil
}

func (s *grpcServer) Applicable(ctx context.Context, req *pluginpb.ApplicableRequest) (*pluginpb.ApplicableResponse, error) {
	ok, err := s.impl.Applicable(ctx, fromWire(req.Config))
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginpb.ApplicableResponse{Applicable: ok}, nil
}

func (s *grpcServer) Enhance(ctx context.Context, req *pluginpb.EnhanceRequest) (*pluginpb.EnhanceResponse, error) {
	cfg, err := s.impl.Enhance(ctx, fromWire(req.Config))
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginpb.EnhanceResponse{Config: toWire(cfg)}, nil
}

func (s *grpcServer) Apply(ctx context.Context, req *pluginpb.ApplyRequest) (*pluginpb.ApplyResponse, error) {
	out, err := applyDirect(ctx, s.impl, fromWire(req.Config))
	resp := &pluginpb.ApplyResponse{Applicable: out.Applicable}
	for _, note := range out.Notes {
		resp.Notes = append(resp.Notes, []byte(note))
	}
	if err != nil {
		// What was known before the failure (Applicable said yes, the
		// notes) goes along, as the status's detail.
		st := status.Convert(toStatus(err))
		if detailed, detailErr := st.WithDetails(protoadapt.MessageV1Of(resp)); detailErr == nil {
			st = detailed
		}
		return nil, st.Err()
	}
	if out.Applicable {
		resp.Config = toWire(out.Config)
	}
	return resp, nil
}

// pluginErrorCode marks, on the wire, an error the plugin itself returned.
const pluginErrorCode = codes.Aborted

// toStatus is the status of err, a call's error: its deadline or
// cancellation, a gRPC status the plugin returned as its error (its code
// kept), or any other error of the plugin's (pluginErrorCode).
func toStatus(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	}
	var pluginErr *PluginError
	if errors.As(err, &pluginErr) && pluginErr.Err != nil {
		if st, ok := status.FromError(pluginErr.Err); ok && st.Code() != codes.Unknown && st.Code() != codes.OK {
			// The call's name, as Apply prefixed it, then the status's
			// own message.
			call := strings.TrimSuffix(pluginErr.Message, pluginErr.Err.Error())
			return status.Error(st.Code(), call+st.Message())
		}
	}
	return status.Error(pluginErrorCode, err.Error())
}

// fromStatus turns a gRPC error back into a *PluginError (the plugin's own
// error, or another status it answered with), a deadline error (matching
// context.DeadlineExceeded), or, for Unavailable, an error matching
// pluginwire.ErrUnavailable: the plugin may have answered so, or died.
func fromStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	switch st.Code() {
	case pluginErrorCode:
		return &PluginError{Message: st.Message()}
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: %w", st.Message(), context.DeadlineExceeded)
	case codes.Canceled:
		return fmt.Errorf("%s: %w", st.Message(), context.Canceled)
	case codes.Unavailable:
		return fmt.Errorf("%w: %s", pluginwire.ErrUnavailable, st.Message())
	}
	return &PluginError{Message: fmt.Sprintf("gRPC status %s: %s", st.Code(), st.Message())}
}

type grpcClient struct {
	client pluginpb.PluginClient
	info   Info
}

func (c *grpcClient) Info() Info { return c.info }

func (c *grpcClient) Applicable(ctx context.Context, cfg ProcessConfig) (bool, error) {
	resp, err := c.client.Applicable(ctx, &pluginpb.ApplicableRequest{Config: toWire(cfg)})
	if err != nil {
		return false, fromStatus(err)
	}
	return resp.Applicable, nil
}

func (c *grpcClient) Enhance(ctx context.Context, cfg ProcessConfig) (ProcessConfig, error) {
	resp, err := c.client.Enhance(ctx, &pluginpb.EnhanceRequest{Config: toWire(cfg)})
	if err != nil {
		return ProcessConfig{}, fromStatus(err)
	}
	return withHostOnly(fromWire(resp.Config), cfg), nil
}

func (c *grpcClient) apply(ctx context.Context, cfg ProcessConfig) (outcome, error) {
	resp, err := c.client.Apply(ctx, &pluginpb.ApplyRequest{Config: toWire(cfg)})
	if status.Code(err) == codes.Unimplemented {
		// A plugin may serve only Applicable and Enhance (written
		// without the SDK, from the .proto): two round trips.
		return applyDirect(ctx, c, cfg)
	}
	if err != nil {
		// A failed call's status may say what was known before the
		// failure: whether Applicable said yes, and the notes.
		var out outcome
		if st, ok := status.FromError(err); ok {
			for _, detail := range st.Details() {
				if known, ok := detail.(*pluginpb.ApplyResponse); ok {
					out = outcome{Applicable: known.Applicable, Notes: notesFromWire(known.Notes)}
				}
			}
		}
		return out, fromStatus(err)
	}
	return outcome{Applicable: resp.Applicable, Config: withHostOnly(fromWire(resp.Config), cfg), Notes: notesFromWire(resp.Notes)}, nil
}

// notesFromWire converts notes off the wire.
func notesFromWire(wire [][]byte) []string {
	var notes []string
	for _, note := range wire {
		notes = append(notes, string(note))
	}
	return notes
}

func toWire(cfg ProcessConfig) *pluginpb.ProcessConfig {
	w := &pluginpb.ProcessConfig{
		Command: []byte(cfg.Command),
		Dir:     []byte(cfg.Dir),
		LogFile: []byte(cfg.LogFile),
	}
	if cfg.Args != nil {
		w.Args = make([][]byte, len(cfg.Args))
		for i, arg := range cfg.Args {
			w.Args[i] = []byte(arg)
		}
	}
	for k, v := range cfg.Env {
		w.Env = append(w.Env, &pluginpb.EnvVar{Key: []byte(k), Value: []byte(v)})
	}
	return w
}

// withHostOnly returns result with the fields of cfg that only the host
// sets (User, Group, NoNewPrivileges, Limits), which the protocol does not
// carry: a plugin process neither sees nor changes them.
func withHostOnly(result, cfg ProcessConfig) ProcessConfig {
	result.User, result.Group, result.NoNewPrivileges = cfg.User, cfg.Group, cfg.NoNewPrivileges
	result.Limits = cfg.Limits.clone()
	return result
}

// fromWire converts a config off the wire; nil is the zero config.
func fromWire(w *pluginpb.ProcessConfig) ProcessConfig {
	if w == nil {
		return ProcessConfig{}
	}
	cfg := ProcessConfig{
		Command: string(w.Command),
		Dir:     string(w.Dir),
		LogFile: string(w.LogFile),
	}
	if len(w.Args) > 0 {
		cfg.Args = make([]string, len(w.Args))
		for i, arg := range w.Args {
			cfg.Args[i] = string(arg)
		}
	}
	if len(w.Env) > 0 {
		cfg.Env = make(map[string]string, len(w.Env))
		for _, kv := range w.Env {
			cfg.Env[string(kv.Key)] = string(kv.Value)
		}
	}
	return cfg
}

// applyRemote applies p over the protocol, in one round trip, when p is
// the client side of a plugin process; ok is false otherwise.
func applyRemote(ctx context.Context, p Plugin, cfg ProcessConfig) (out outcome, err error, ok bool) {
	remote, ok := p.(*grpcClient)
	if !ok {
		return outcome{}, nil, false
	}
	out, err = remote.apply(ctx, cfg)
	return out, err, true
}
