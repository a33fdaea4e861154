// Package mapping describes how the Terraform random provider is presented as
// the Pulumi package "random" (tokens, names, ids), matching @pulumi/random.
package mapping

import (
	"context"
	"fmt"

	pfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/terraform-providers/terraform-provider-random/shim"
)

const (
	pkgName = "random"
	modName = "index"
)

// Info builds the bridge description of the provider. bridgeMetadata is the
// bridge-metadata.json produced by tfgen; tfgen itself starts from "{}".
func Info(bridgeMetadata []byte) tfbridge.ProviderInfo {
	if len(bridgeMetadata) == 0 {
		bridgeMetadata = []byte("{}")
	}
	info := tfbridge.ProviderInfo{
		P:            pfbridge.ShimProvider(shim.Provider()),
		Name:         pkgName,
		DisplayName:  "random",
		Description:  "Randomness for Pulumi programs (bridged Terraform random provider).",
		Keywords:     []string{"pulumi", "random"},
		License:      "Apache-2.0",
		Publisher:    "eqmd",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(bridgeMetadata),
		Resources: map[string]*tfbridge.ResourceInfo{
			// Both are plugin-framework resources whose state carries
			// schema versions; an unversioned old state is treated as v1.
			"random_string": {PreStateUpgradeHook: assumeV1WhenUnversioned},
			// random_bytes has no "id" attribute: its id is the base64 value.
			"random_bytes": {ComputeID: idFromBase64},
		},
		JavaScript:                  &tfbridge.JavaScriptInfo{RespectSchemaVersion: true},
		EnableAccurateBridgePreview: true,
		EnableRawStateDelta:         true,
	}

	// random_<name> becomes random:index/random<Name>:Random<Name>, the
	// spelling @pulumi/random uses (e.g. random:index/randomPassword:RandomPassword).
	prefixed := func(module, name string) (string, error) {
		return tokens.MakeStandard(pkgName)(module, "Random"+name)
	}
	info.MustComputeTokens(tokens.SingleModule("random_", modName, prefixed))
	info.MustApplyAutoAliases()
	return info
}

func assumeV1WhenUnversioned(args tfbridge.PreStateUpgradeHookArgs) (int64, resource.PropertyMap, error) {
	if args.PriorStateSchemaVersion == 0 {
		return 1, args.PriorState, nil
	}
	return args.PriorStateSchemaVersion, args.PriorState, nil
}

func idFromBase64(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	v, ok := state["base64"]
	if !ok {
		return "", fmt.Errorf("random_bytes state has no base64 property")
	}
	// base64 is sensitive, hence a secret; ids cannot be secrets.
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return "", fmt.Errorf("random_bytes base64 property is %v, not a string", v.TypeString())
	}
	return resource.ID(v.StringValue()), nil
}
