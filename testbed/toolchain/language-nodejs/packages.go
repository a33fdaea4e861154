package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// GetRequiredPackages tells the engine which resource plugins the program
// needs: every package.json under a node_modules directory of the program
// whose "pulumi" section says resource: true. Scan problems are logged, not
// returned, so one broken package cannot stop a deployment.
func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	scan := scanPackages(req.GetInfo().GetProgramDirectory())
	for _, err := range scan.errs {
		logging.V(3).Infof("while looking for required packages: %v", err)
	}
	if msg := scan.sdkVersionConflict(); msg != "" {
		fmt.Fprintln(os.Stderr, msg)
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: scan.packages}, nil
}

// GetRequiredPlugins is the pre-packages form of the same question, still
// asked by older engines.
func (h *host) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	scan := scanPackages(req.GetInfo().GetProgramDirectory())
	var plugins []*pulumirpc.PluginDependency
	for _, p := range scan.packages {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: p.Name, Kind: p.Kind, Version: p.Version, Server: p.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

type packageScan struct {
	packages    []*pulumirpc.PackageDependency
	sdkVersions map[string]semver.Version // package.json path -> @pulumi/pulumi version
	errs        []error
	visited     map[string]bool
}

func scanPackages(programDir string) *packageScan {
	s := &packageScan{sdkVersions: map[string]semver.Version{}, visited: map[string]bool{}}
	if programDir != "" {
		s.walk(programDir, false)
	}
	return s
}

// walk descends the whole program tree, as node may load modules from any
// nested node_modules. Symlinks are followed (pnpm and npm workspaces rely
// on them) with a visited set against cycles. Nested policy packs are
// skipped: their plugins are not dependencies of the program.
func (s *packageScan) walk(dir string, inNodeModules bool) {
	dir, err := filepath.Abs(dir)
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		s.errs = append(s.errs, err)
		return
	}
	if s.visited[dir] {
		return
	}
	s.visited[dir] = true

	entries, err := os.ReadDir(dir)
	if err != nil {
		s.errs = append(s.errs, err)
		return
	}
	childInNodeModules := inNodeModules || filepath.Base(dir) == "node_modules"
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(path)
			if err != nil {
				s.errs = append(s.errs, fmt.Errorf("broken link %s: %w", path, err))
				continue
			}
			isDir = fi.IsDir()
		}
		switch {
		case isDir && e.Name() == ".git":
		case isDir:
			if pack, err := workspace.DetectPolicyPackPathAt(path); err != nil {
				s.errs = append(s.errs, err)
			} else if pack == "" {
				s.walk(path, childInNodeModules)
			}
		case inNodeModules && e.Name() == "package.json":
			s.readPackageJSON(path)
		}
	}
}

// packageJSON holds the fields of package.json that matter here.
type packageJSON struct {
	Name    string                  `json:"name"`
	Version string                  `json:"version"`
	Pulumi  plugin.PulumiPluginJSON `json:"pulumi"`
}

func (s *packageScan) readPackageJSON(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		s.errs = append(s.errs, err)
		return
	}
	var pkg packageJSON
	if err := json.Unmarshal(b, &pkg); err != nil {
		s.errs = append(s.errs, fmt.Errorf("%s: %w", path, err))
		return
	}
	if pkg.Name == "@pulumi/pulumi" {
		if v, err := semver.ParseTolerant(pkg.Version); err == nil {
			s.sdkVersions[path] = v
		}
	}
	dep, err := packageDependency(pkg)
	if err != nil {
		s.errs = append(s.errs, fmt.Errorf("%s: %w", path, err))
	} else if dep != nil {
		s.packages = append(s.packages, dep)
	}
}

// packageDependency returns the plugin a package.json asks for, or nil.
// The plugin name defaults to the package name without the @pulumi/ scope;
// other scopes must name their plugin explicitly.
func packageDependency(pkg packageJSON) (*pulumirpc.PackageDependency, error) {
	if !pkg.Pulumi.Resource {
		return nil, nil
	}
	name := pkg.Pulumi.Name
	if name == "" {
		if !strings.HasPrefix(pkg.Name, "@pulumi/") {
			return nil, fmt.Errorf("package %q sets pulumi.resource but not pulumi.name", pkg.Name)
		}
		name = strings.TrimPrefix(pkg.Name, "@pulumi/")
	}
	version := pkg.Pulumi.Version
	if version == "" {
		version = pkg.Version
	}
	if version == "" {
		return nil, errors.New("no version in package.json")
	}
	if !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	return &pulumirpc.PackageDependency{
		Name:             name,
		Kind:             "resource",
		Version:          version,
		Server:           pkg.Pulumi.Server,
		Parameterization: parameterization(pkg.Pulumi.Parameterization),
		Extension:        parameterization(pkg.Pulumi.ExtensionParameterization),
	}, nil
}

func parameterization(p *plugin.PulumiParameterizationJSON) *pulumirpc.PackageParameterization {
	if p == nil {
		return nil
	}
	return &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: p.Value}
}

// sdkVersionConflict warns when copies of @pulumi/pulumi with different
// major versions are installed: resources created through one copy are not
// seen by the other, which is confusing to debug.
func (s *packageScan) sdkVersionConflict() string {
	var firstPath string
	var first semver.Version
	for path, v := range s.sdkVersions {
		if firstPath == "" {
			firstPath, first = path, v
			continue
		}
		if v.Major != first.Major {
			return fmt.Sprintf("Found incompatible versions of @pulumi/pulumi:\n  %s at %s\n  %s at %s",
				first, firstPath, v, path)
		}
	}
	return ""
}
