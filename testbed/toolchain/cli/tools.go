//go:build tools

// Package tools pins the Pulumi CLI's main package so that `go mod tidy` keeps its whole
// module graph in go.mod/go.sum. The binary is built with `go build` from this module
// (see build.sh): `go install pkg@version` refuses pkg/v3 because its go.mod has replace lines.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
