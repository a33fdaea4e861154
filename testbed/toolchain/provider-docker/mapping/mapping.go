// Package mapping describes how the Terraform docker provider (kreuzwerker)
// is presented as the Pulumi package "docker", matching the tokens and names
// of @pulumi/docker 5.x for its bridged resources and functions.
package mapping

import (
	"context"
	"runtime"
	"strings"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	bridgetokens "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"github.com/terraform-providers/terraform-provider-docker/shim"
)

const (
	pkgName = "docker"
	modName = "index"
)

// resourceTok spells a resource token the way @pulumi/docker does:
// docker:index/remoteImage:RemoteImage.
func resourceTok(name string) string {
	return pkgName + ":" + modName + "/" + strings.ToLower(name[:1]) + name[1:] + ":" + name
}

// Info builds the bridge description of the provider. bridgeMetadata is the
// bridge-metadata.json produced by tfgen; tfgen itself starts from "{}".
func Info(bridgeMetadata []byte) tfbridge.ProviderInfo {
	if len(bridgeMetadata) == 0 {
		bridgeMetadata = []byte("{}")
	}
	info := tfbridge.ProviderInfo{
		P:            shimv2.NewProvider(shim.Provider()),
		Name:         pkgName,
		DisplayName:  "Docker",
		Description:  "Docker for Pulumi programs (bridged Terraform docker provider).",
		Keywords:     []string{"pulumi", "docker"},
		License:      "Apache-2.0",
		Publisher:    "eqmd",
		GitHubOrg:    "kreuzwerker",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(bridgeMetadata),
		Config: map[string]*tfbridge.SchemaInfo{
			// Required upstream, with a default from DOCKER_HOST or the
			// platform's local socket; the SDK treats it as optional.
			"host": {
				Default: &tfbridge.DefaultInfo{
					EnvVars:        []string{"DOCKER_HOST"},
					ComputeDefault: localDaemon,
				},
			},
			// A list block; @pulumi/docker keeps it a list named registryAuth.
			"registry_auth": {Name: "registryAuth", MaxItemsOne: tfbridge.False()},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_container": {
				Tok: tokenOf("Container"),
				// A container is replaced by removing the old one first, so
				// a fixed container name can be reused.
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image": {
				Tok:    tokenOf("RemoteImage"),
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
			},
			"docker_config":         {Tok: tokenOf("ServiceConfig")},
			"docker_network":        {Tok: tokenOf("Network")},
			"docker_volume":         {Tok: tokenOf("Volume")},
			"docker_secret":         {Tok: tokenOf("Secret")},
			"docker_service":        {Tok: tokenOf("Service")},
			"docker_plugin":         {Tok: tokenOf("Plugin")},
			"docker_registry_image": {Tok: tokenOf("RegistryImage")},
			"docker_tag":            {Tok: tokenOf("Tag")},
			"docker_buildx_builder": {Tok: tokenOf("BuildxBuilder")},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_image":                    {Tok: fnTok("getRemoteImage")},
			"docker_network":                  {Tok: fnTok("getNetwork")},
			"docker_plugin":                   {Tok: fnTok("getPlugin")},
			"docker_registry_image":           {Tok: fnTok("getRegistryImage")},
			"docker_registry_image_manifests": {Tok: fnTok("getRegistryImageManifests")},
			"docker_logs":                     {Tok: fnTok("getLogs")},
		},
		JavaScript: &tfbridge.JavaScriptInfo{RespectSchemaVersion: true},
	}

	// Anything not named above gets the standard docker:index/<camel>:<Pascal>.
	info.MustComputeTokens(bridgetokens.SingleModule("docker_", modName, bridgetokens.MakeStandard(pkgName)))
	info.MustApplyAutoAliases()
	// Like @pulumi/docker: an unset "name" is auto-named <urn name>-<random>.
	info.SetAutonaming(255, "-")
	return info
}

func tokenOf(name string) tokens.Type { return tokens.Type(resourceTok(name)) }

func fnTok(name string) tokens.ModuleMember {
	return tokens.ModuleMember(pkgName + ":" + modName + "/" + name + ":" + name)
}

func localDaemon(context.Context, tfbridge.ComputeDefaultOptions) (interface{}, error) {
	if runtime.GOOS == "windows" {
		return "npipe:////./pipe/docker_engine", nil
	}
	return "unix:///var/run/docker.sock", nil
}
