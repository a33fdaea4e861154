// Command pulumi-tfgen-docker writes the Pulumi schema (schema.json) and the
// bridge metadata (bridge-metadata.json): pulumi-tfgen-docker schema --out DIR
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"

	"eqmd.local/pulumi/provider-docker/mapping"
)

func main() {
	info := mapping.Info(nil)
	tfgen.Main("docker", info.Version, info)
}
