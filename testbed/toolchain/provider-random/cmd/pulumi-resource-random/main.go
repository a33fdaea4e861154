// Command pulumi-resource-random is the Pulumi resource plugin for "random".
// build.sh generates gen/schema.json and gen/bridge-metadata.json first.
package main

import (
	"context"
	_ "embed"

	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"eqmd.local/pulumi/provider-random/mapping"
)

//go:embed gen/schema.json
var schemaJSON []byte

//go:embed gen/bridge-metadata.json
var bridgeMetadata []byte

func main() {
	info := mapping.Info(bridgeMetadata)
	pfbridge.Main(context.Background(), "random", info,
		pfbridge.ProviderMetadata{PackageSchema: mapping.WithVersion(schemaJSON, info.Version)})
}
