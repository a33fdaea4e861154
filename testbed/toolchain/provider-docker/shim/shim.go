// Package shim lives under the upstream module path so that it may import the
// upstream provider's internal package and hand its SDKv2 provider to the
// Pulumi bridge.
//
// Only the SDKv2 half of the upstream provider is exposed: the upstream also
// muxes in a plugin-framework provider that carries docker_compose and the
// docker_containers / docker_registry_image_tags data sources, none of which
// the @pulumi/docker SDK has.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	upstream "github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// Provider returns a fresh instance of the upstream SDKv2 docker provider.
func Provider() *schema.Provider {
	return upstream.New("dev")()
}
