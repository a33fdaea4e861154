package main

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
)

// nodeOptions are the `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml.
type nodeOptions struct {
	typescript     bool   // register ts-node in the run script (default true)
	tsconfig       string // tsconfig path handed to the run script
	nodeArgs       string // extra node arguments, shell-quoted
	packageManager npm.PackageManagerType
}

func parseOptions(raw map[string]any) (nodeOptions, error) {
	opts := nodeOptions{typescript: true, packageManager: npm.AutoPackageManager}
	for key, value := range raw {
		switch key {
		case "typescript":
			b, ok := value.(bool)
			if !ok {
				return opts, fmt.Errorf("runtime option typescript must be a boolean, got %v", value)
			}
			opts.typescript = b
		case "tsconfig", "nodeargs", "packagemanager":
			s, ok := value.(string)
			if !ok {
				return opts, fmt.Errorf("runtime option %s must be a string, got %v", key, value)
			}
			switch key {
			case "tsconfig":
				opts.tsconfig = s
			case "nodeargs":
				opts.nodeArgs = s
			default:
				pm := npm.PackageManagerType(s)
				switch pm {
				case npm.AutoPackageManager, npm.NpmPackageManager, npm.YarnPackageManager,
					npm.PnpmPackageManager, npm.BunPackageManager:
					opts.packageManager = pm
				default:
					return opts, fmt.Errorf("runtime option packagemanager must be one of auto, npm, yarn, pnpm or bun, got %q", s)
				}
			}
		}
		// Unknown options are ignored, as Pulumi does for every language.
	}
	return opts, nil
}

// typescriptEnv is how the @pulumi/pulumi run scripts learn about the
// TypeScript options: they read these variables, not flags.
func (o nodeOptions) typescriptEnv() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}
