// Command pulumi-tfgen-random writes the Pulumi schema (schema.json) and the
// bridge metadata (bridge-metadata.json): pulumi-tfgen-random schema --out DIR
package main

import (
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	"eqmd.local/pulumi/provider-random/mapping"
)

func main() {
	pftfgen.Main("random", mapping.Info(nil))
}
