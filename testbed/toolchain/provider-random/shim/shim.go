// Package shim lives under the upstream module path so that it may import the
// upstream provider's internal package and hand the plugin-framework provider
// to the Pulumi bridge.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"

	upstream "github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// Provider returns a fresh instance of the upstream random provider.
func Provider() provider.Provider {
	return upstream.New()
}
