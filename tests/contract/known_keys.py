#!/usr/bin/env python3
"""Checks that the keys of a Synapse config are keys Synapse knows.

Synapse silently ignores config keys it does not know, so a misspelt or invented key
(eqmd's `federation_enabled`, `allow_new_users`, provider-level `extra_attributes`) is
a setting that quietly does nothing. This script catches those.

Usage (with the Python of a virtualenv where matrix-synapse is installed):

    python known_keys.py homeserver.yaml [secrets.yaml ...]

The files are merged the way Synapse merges several `-c` files (shallowly, later files
win by top-level key). Checked:

- every top-level key,
- every key of each `oidc_providers[]` entry,
- every key of each provider's `user_mapping_provider.config`.

A key counts as known when it appears as a string literal in the installed Synapse's
config code (`synapse/config/*.py`); keys of `user_mapping_provider.config` may also
appear in the OIDC handler (`synapse/handlers/oidc.py`), where the default mapping
provider parses its config. Keeping the handler out of the other checks is what catches
a mapping option put one level too high (eqmd's provider-level `extra_attributes`). Two
spellings that Synapse builds at run time are recognised too: dotted lookups such as
`"rc_login.address"` (the parts count as keys) and f-string names such as
`f"{option}_template"` when `option` is itself a literal (e.g. `subject_template`).

Exit status: 0 when every key is known, 1 when some are not (they are printed),
2 on usage or input errors. Needs only the standard library plus PyYAML, which Synapse
itself depends on to read its config.
"""

import ast
import os
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - Synapse always brings PyYAML
    sys.stderr.write("known_keys.py: PyYAML is missing; run this with a Synapse virtualenv's python\n")
    sys.exit(2)


def synapse_sources():
    """(version, config code paths, OIDC handler path) of the installed Synapse."""
    try:
        import synapse
    except ImportError:
        sys.stderr.write("known_keys.py: cannot import synapse; run this with a Synapse virtualenv's python\n")
        sys.exit(2)
    root = os.path.dirname(synapse.__file__)
    config_dir = os.path.join(root, "config")
    paths = sorted(
        os.path.join(config_dir, name) for name in os.listdir(config_dir) if name.endswith(".py")
    )
    return getattr(synapse, "__version__", "?"), paths, os.path.join(root, "handlers", "oidc.py")


def collect_literals(paths):
    """All string constants in the files, their dotted parts, and f-string suffixes."""
    literals = set()
    suffixes = set()
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read(), filename=path)
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                # f"{name}_template": remember the constant tail after a placeholder.
                parts = node.values
                for before, after in zip(parts, parts[1:]):
                    if isinstance(before, ast.FormattedValue) and isinstance(after, ast.Constant):
                        if isinstance(after.value, str) and after.value.startswith("_"):
                            suffixes.add(after.value)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
                if "." in node.value and " " not in node.value:
                    literals.update(part for part in node.value.split(".") if part)
    return literals, suffixes


def is_known(key, literals, suffixes):
    if key in literals:
        return True
    return any(key.endswith(sfx) and key[: -len(sfx)] in literals for sfx in suffixes)


def load_merged(files):
    merged = {}
    for path in files:
        try:
            with open(path, encoding="utf-8") as fh:
                doc = yaml.safe_load(fh)
        except (OSError, yaml.YAMLError) as err:
            sys.stderr.write(f"known_keys.py: cannot read {path}: {err}\n")
            sys.exit(2)
        if doc is None:
            continue
        if not isinstance(doc, dict):
            sys.stderr.write(f"known_keys.py: {path} is not a YAML mapping\n")
            sys.exit(2)
        merged.update(doc)
    return merged


def keys_to_check(config):
    """(where, key, is_mapping_config) for every key this script checks."""
    for key in config:
        yield "top level", key, False
    providers = config.get("oidc_providers") or []
    if not isinstance(providers, list):
        return
    for i, provider in enumerate(providers):
        if not isinstance(provider, dict):
            continue
        for key in provider:
            yield f"oidc_providers[{i}]", key, False
        mapping = provider.get("user_mapping_provider") or {}
        mapping_config = mapping.get("config") if isinstance(mapping, dict) else None
        if isinstance(mapping_config, dict):
            for key in mapping_config:
                yield f"oidc_providers[{i}].user_mapping_provider.config", key, True


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: python known_keys.py <homeserver.yaml> [more config files]\n")
        return 2
    version, config_paths, oidc_handler = synapse_sources()
    config_known = collect_literals(config_paths)
    mapping_known = collect_literals(config_paths + [oidc_handler])
    config = load_merged(argv[1:])
    checked = 0
    unknown = []
    for where, key, is_mapping_config in keys_to_check(config):
        checked += 1
        literals, suffixes = mapping_known if is_mapping_config else config_known
        if not isinstance(key, str) or not is_known(key, literals, suffixes):
            unknown.append((where, key))
    if unknown:
        print(f"Unknown to Synapse {version} ({len(unknown)} of {checked} keys):")
        for where, key in unknown:
            print(f"  {where}: {key}")
        return 1
    print(f"All {checked} keys are known to Synapse {version}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
