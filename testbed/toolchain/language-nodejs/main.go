// Command pulumi-language-nodejs is a Node.js language host for the Pulumi
// engine. The engine starts it with its own gRPC address as the last
// argument, reads the port we listen on from our stdout, and then drives us
// through the LanguageRuntime gRPC service (see host.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is stamped by build.sh with -ldflags "-X main.version=...".
var version = "3.248.0"

func main() {
	tracingURL := flag.String("tracing", "", "Zipkin-compatible endpoint to send tracing data to")
	runtimeName := flag.String("runtime", "nodejs", "JavaScript runtime; only nodejs is supported")
	// Older engines passed -root; accept and ignore it so they can still start us.
	flag.String("root", "", "ignored, accepted for older engines")
	showVersion := flag.Bool("version", false, "print the plugin version and exit")
	// -v and -logtostderr (sent by the engine with --logflow) are registered by the logging package.
	flag.Parse()

	if *showVersion {
		fmt.Println(version)
		return
	}
	if *runtimeName != "nodejs" {
		cmdutil.Exit(fmt.Errorf("unsupported runtime %q: this host only runs nodejs", *runtimeName))
	}

	logging.InitLogging(false, 0, false)
	if *tracingURL != "" {
		cmdutil.InitTracing("pulumi-language-nodejs", "pulumi-language-nodejs", *tracingURL)
	}

	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}

	// The engine stops plugins by sending SIGINT to our process group (node
	// children included), then SIGKILL after a grace period. On SIGINT/SIGTERM
	// we cancel every running child and then let the gRPC server drain, so an
	// in-flight Run returns only after node has exited.
	sigCtx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()

	host := newHost(engineAddress, *tracingURL)
	stopServing := make(chan bool)
	go func() {
		<-sigCtx.Done()
		host.cancelAll()
		close(stopServing)
	}()

	if engineAddress != "" {
		// Exit by ourselves if the engine goes away without stopping us.
		if err := rpcutil.Healthcheck(sigCtx, engineAddress, 5*time.Minute, stopSignals); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start engine health check: %w", err))
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stopServing,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host gRPC server: %w", err))
	}

	// The engine reads exactly this line to learn where to connect.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host gRPC server stopped: %w", err))
	}
}
