// Package codegen is a local stand-in; see go.mod of this module.
package codegen

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
)

// GenerateProgram is not available in this build: YAML program
// generation is only used for SDK documentation examples.
func GenerateProgram(program *pcl.Program) (map[string][]byte, hcl.Diagnostics, error) {
	return nil, nil, fmt.Errorf("YAML program generation is not built into this tool")
}
