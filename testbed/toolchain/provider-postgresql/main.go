// Command pulumi-resource-postgresql is a resource provider plugin for the Pulumi engine that
// implements postgresql:index/role:Role, postgresql:index/database:Database and the provider
// configuration under the tokens and property names of the @pulumi/postgresql 3.18.1 SDK,
// with the semantics of the upstream Terraform provider (see README.md).
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/pkg/v3/resource/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is baked in by build.sh (-ldflags -X main.version=...).
var version = "3.18.1"

func main() {
	err := provider.Main("postgresql", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return newServer(), nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
