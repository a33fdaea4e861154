// Command pulumi-resource-command is a resource provider plugin for the Pulumi engine that
// implements command:local:Command and the command:local:run function under the tokens and
// property names of the @pulumi/command 1.2.1 SDK (see README.md).
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is baked in by build.sh (-ldflags -X main.version=...).
var version = "1.2.1"

func main() {
	err := provider.Main("command", func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return newServer(hostLogger{host}), nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
