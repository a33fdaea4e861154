package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// InstallDependencies backs `pulumi install` (and the install step of
// `pulumi new`): it runs the project's package manager in the program
// directory, or in the npm/yarn workspace root containing it, streaming
// the output to the engine.
func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest,
	server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	opts, err := parseOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return err
	}
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory() // field used by older engines
	}
	root, err := npm.FindWorkspaceRoot(dir)
	switch {
	case errors.Is(err, npm.ErrNotInWorkspace):
		root = dir
	case err != nil:
		return fmt.Errorf("looking for a workspace root above %s: %w", dir, err)
	default:
		fmt.Fprintf(stdout, "Detected workspace root at %s\n", root)
	}

	fmt.Fprintln(stdout, "Installing dependencies...")
	fmt.Fprintln(stdout)
	ctx := server.Context()
	if _, err := npm.Install(ctx, opts.packageManager, root, false /*production*/, stdout, stderr); err != nil {
		return fmt.Errorf("installing dependencies in %s: %w", root, err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	fmt.Fprintln(stdout)
	return closer.Close()
}

// GetProgramDependencies lists installed packages for `pulumi about`.
func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts, err := parseOptions(req.GetInfo().GetOptions().AsMap())
	if err != nil {
		return nil, err
	}
	dir := req.GetInfo().GetProgramDirectory()
	pm, err := npm.ResolvePackageManager(opts.packageManager, dir)
	if err != nil {
		return nil, err
	}
	pkgs, err := pm.ListPackages(ctx, dir, req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("listing node packages: %w", err)
	}
	deps := make([]*pulumirpc.DependencyInfo, 0, len(pkgs))
	for _, p := range pkgs {
		deps = append(deps, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
