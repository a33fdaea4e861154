// Command pulumi-resource-docker is the Pulumi resource plugin for "docker".
// build.sh generates gen/schema.json and gen/bridge-metadata.json first.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"

	"eqmd.local/pulumi/provider-docker/mapping"
)

//go:embed gen/schema.json
var schemaJSON []byte

//go:embed gen/bridge-metadata.json
var bridgeMetadata []byte

func main() {
	info := mapping.Info(bridgeMetadata)
	tfbridge.Main("docker", info.Version, info, mapping.WithVersion(schemaJSON, info.Version))
}
