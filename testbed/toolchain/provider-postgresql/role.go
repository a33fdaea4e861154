package main

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lib/pq"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const tokRole = "postgresql:index/role:Role"

var roleSpec = &resourceSpec{token: tokRole, props: []propSpec{
	{name: "name", kind: kString},
	{name: "password", kind: kString, secret: true},
	{name: "passwordWo", kind: kString, secret: true,
		notImplemented: "passwordWo (write-only password) is not implemented by this provider; use password"},
	{name: "passwordWoVersion", kind: kString,
		notImplemented: "passwordWoVersion is not implemented by this provider; use password"},
	{name: "encrypted", kind: kString}, // deprecated upstream, no effect
	{name: "encryptedPassword", kind: kBool, def: true},
	{name: "roles", kind: kStringSet},
	{name: "searchPaths", kind: kStringList},
	{name: "validUntil", kind: kString, def: "infinity"},
	{name: "connectionLimit", kind: kInt, def: -1},
	{name: "superuser", kind: kBool, def: false},
	{name: "createDatabase", kind: kBool, def: false},
	{name: "createRole", kind: kBool, def: false},
	{name: "inherit", kind: kBool, def: true},
	{name: "login", kind: kBool, def: false},
	{name: "replication", kind: kBool, def: false},
	{name: "bypassRowLevelSecurity", kind: kBool, def: false},
	{name: "skipDropRole", kind: kBool, def: false},
	{name: "skipReassignOwned", kind: kBool, def: false},
	{name: "statementTimeout", kind: kInt},
	{name: "idleInTransactionSessionTimeout", kind: kInt},
	{name: "assumeRole", kind: kString},
}}

func quoteLiteral(s string) string { return pq.QuoteLiteral(s) }
func quoteIdent(s string) string   { return pq.QuoteIdentifier(s) }

func validateRole(in resource.PropertyMap) error {
	if v := plain(in["connectionLimit"]); v.IsNumber() && v.NumberValue() < -1 {
		return errors.New("connectionLimit must be at least -1")
	}
	for _, k := range []string{"statementTimeout", "idleInTransactionSessionTimeout"} {
		if v := plain(in[resource.PropertyKey(k)]); v.IsNumber() && v.NumberValue() < 0 {
			return fmt.Errorf("%s must be at least 0", k)
		}
	}
	for _, p := range getStrings(in, "searchPaths") {
		if strings.Contains(p, ", ") {
			return fmt.Errorf("searchPaths cannot contain `, `: %v", p)
		}
	}
	return nil
}

// lockRole serialises concurrent changes to a role and its members (as upstream).
func lockRole(ctx context.Context, tx *sql.Tx, role string) error {
	if _, err := tx.ExecContext(ctx, "SET statement_timeout = 0"); err != nil {
		return fmt.Errorf("could not disable statement_timeout: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(oid::bigint) FROM pg_roles WHERE rolname = $1", role); err != nil {
		return fmt.Errorf("could not get advisory lock for role %s: %w", role, err)
	}
	if _, err := tx.ExecContext(ctx,
		"SELECT pg_advisory_xact_lock(member::bigint) FROM pg_auth_members JOIN pg_roles ON roleid = pg_roles.oid WHERE rolname = $1",
		role); err != nil {
		return fmt.Errorf("could not get advisory lock for members of role %s: %w", role, err)
	}
	return nil
}

func boolTok(b bool, on, off string) string {
	if b {
		return on
	}
	return off
}

func createRole(ctx context.Context, db *conn, in resource.PropertyMap) error {
	if err := validateRole(in); err != nil {
		return err
	}
	name := getString(in, "name")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("could not start transaction: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	var opts []string
	if pw := getString(in, "password"); pw != "" {
		if strings.ToUpper(pw) == "NULL" {
			opts = append(opts, "PASSWORD NULL")
		} else {
			opts = append(opts, boolTok(getBool(in, "encryptedPassword"), "ENCRYPTED", "UNENCRYPTED"),
				"PASSWORD "+quoteLiteral(pw))
		}
	}
	vu := getString(in, "validUntil")
	if vu == "" || strings.ToLower(vu) == "infinity" {
		vu = "infinity"
	}
	opts = append(opts, "VALID UNTIL "+quoteLiteral(vu))
	opts = append(opts, "CONNECTION LIMIT "+strconv.Itoa(getInt(in, "connectionLimit")))
	opts = append(opts,
		boolTok(getBool(in, "superuser"), "SUPERUSER", "NOSUPERUSER"),
		boolTok(getBool(in, "createDatabase"), "CREATEDB", "NOCREATEDB"),
		boolTok(getBool(in, "createRole"), "CREATEROLE", "NOCREATEROLE"),
		boolTok(getBool(in, "inherit"), "INHERIT", "NOINHERIT"),
		boolTok(getBool(in, "login"), "LOGIN", "NOLOGIN"))
	if db.supports(">=9.5.0") {
		opts = append(opts, boolTok(getBool(in, "bypassRowLevelSecurity"), "BYPASSRLS", "NOBYPASSRLS"))
	}
	if db.supports(">=9.1.0") {
		opts = append(opts, boolTok(getBool(in, "replication"), "REPLICATION", "NOREPLICATION"))
	}
	if _, err := tx.ExecContext(ctx, "CREATE ROLE "+quoteIdent(name)+" WITH "+strings.Join(opts, " ")); err != nil {
		return fmt.Errorf("error creating role %s: %w", name, err)
	}
	if err := grantRoles(ctx, tx, name, getStrings(in, "roles")); err != nil {
		return err
	}
	if err := setSearchPath(ctx, tx, name, getStrings(in, "searchPaths")); err != nil {
		return err
	}
	empty := resource.PropertyMap{}
	if err := setRoleSettings(ctx, tx, name, empty, in); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("could not commit transaction: %w", err)
	}
	return nil
}

func grantRoles(ctx context.Context, tx *sql.Tx, role string, roles []string) error {
	for _, r := range roles {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("GRANT %s TO %s", quoteIdent(r), quoteIdent(role))); err != nil {
			return fmt.Errorf("could not grant role %s to %s: %w", r, role, err)
		}
	}
	return nil
}

func revokeRoles(ctx context.Context, tx *sql.Tx, role string) error {
	rows, err := tx.QueryContext(ctx, `SELECT pg_get_userbyid(roleid)
		FROM pg_catalog.pg_auth_members members
		JOIN pg_catalog.pg_roles ON members.member = pg_roles.oid
		WHERE rolname = $1`, role)
	if err != nil {
		return fmt.Errorf("could not get roles list for role %s: %w", role, err)
	}
	var granted []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			_ = rows.Close()
			return fmt.Errorf("could not scan role name for role %s: %w", role, err)
		}
		granted = append(granted, g)
	}
	_ = rows.Close()
	for _, g := range granted {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("REVOKE %s FROM %s", quoteIdent(g), quoteIdent(role))); err != nil {
			return fmt.Errorf("could not revoke role %s from %s: %w", g, role, err)
		}
	}
	return nil
}

func setSearchPath(ctx context.Context, tx *sql.Tx, role string, paths []string) error {
	value := "DEFAULT"
	if len(paths) > 0 {
		q := make([]string, len(paths))
		for i, p := range paths {
			q[i] = quoteIdent(p)
		}
		value = strings.Join(q, ", ")
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER ROLE %s SET search_path TO %s", quoteIdent(role), value)); err != nil {
		return fmt.Errorf("could not set search_path %s for %s: %w", value, role, err)
	}
	return nil
}

// setRoleSettings applies statement_timeout, idle_in_transaction_session_timeout and the
// assumed role when they change (from olds to news).
func setRoleSettings(ctx context.Context, tx *sql.Tx, role string, olds, news resource.PropertyMap) error {
	for _, s := range []struct{ key, guc string }{
		{"statementTimeout", "statement_timeout"},
		{"idleInTransactionSessionTimeout", "idle_in_transaction_session_timeout"},
	} {
		if getInt(olds, s.key) == getInt(news, s.key) {
			continue
		}
		q := fmt.Sprintf("ALTER ROLE %s RESET %s", quoteIdent(role), s.guc)
		if n := getInt(news, s.key); n != 0 {
			q = fmt.Sprintf("ALTER ROLE %s SET %s TO %d", quoteIdent(role), s.guc, n)
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("could not set %s for %s: %w", s.guc, role, err)
		}
	}
	if getString(olds, "assumeRole") != getString(news, "assumeRole") {
		q := fmt.Sprintf("ALTER ROLE %s RESET ROLE", quoteIdent(role))
		if a := getString(news, "assumeRole"); a != "" {
			q = fmt.Sprintf("ALTER ROLE %s SET ROLE TO %s", quoteIdent(role), quoteIdent(a))
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("could not set role for %s: %w", role, err)
		}
	}
	return nil
}

func updateRole(ctx context.Context, db *conn, olds, news resource.PropertyMap) error {
	if err := validateRole(news); err != nil {
		return err
	}
	oldName, name := getString(olds, "name"), getString(news, "name")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("could not start transaction: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := lockRole(ctx, tx, oldName); err != nil {
		return err
	}
	exec := func(what, q string) error {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("error updating role %s: %w", what, err)
		}
		return nil
	}
	ch := func(k string) bool { return changed(olds, news, roleSpec, k) }
	if oldName != name {
		if name == "" {
			return errors.New("error setting role name to an empty string")
		}
		if err := exec("NAME", fmt.Sprintf("ALTER ROLE %s RENAME TO %s", quoteIdent(oldName), quoteIdent(name))); err != nil {
			return err
		}
	}
	// A rename clears an MD5 password (it is salted with the name): set it again.
	if ch("password") || oldName != name {
		if pw := getString(news, "password"); pw != "" {
			if err := exec("password", fmt.Sprintf("ALTER ROLE %s PASSWORD %s", quoteIdent(name), quoteLiteral(pw))); err != nil {
				return err
			}
		}
	}
	flags := []struct{ key, on, off, feature string }{
		{"bypassRowLevelSecurity", "BYPASSRLS", "NOBYPASSRLS", ">=9.5.0"},
		{"createDatabase", "CREATEDB", "NOCREATEDB", ""},
		{"createRole", "CREATEROLE", "NOCREATEROLE", ""},
		{"inherit", "INHERIT", "NOINHERIT", ""},
		{"login", "LOGIN", "NOLOGIN", ""},
		{"replication", "REPLICATION", "NOREPLICATION", ">=9.1.0"},
		{"superuser", "SUPERUSER", "NOSUPERUSER", ""},
	}
	if ch("connectionLimit") {
		if err := exec("CONNECTION LIMIT", fmt.Sprintf("ALTER ROLE %s CONNECTION LIMIT %d", quoteIdent(name), getInt(news, "connectionLimit"))); err != nil {
			return err
		}
	}
	for _, f := range flags {
		if !ch(f.key) {
			continue
		}
		if f.feature != "" && !db.supports(f.feature) {
			return fmt.Errorf("PostgreSQL server %s does not support %s", db.version, f.on)
		}
		if err := exec(f.on, fmt.Sprintf("ALTER ROLE %s WITH %s", quoteIdent(name), boolTok(getBool(news, f.key), f.on, f.off))); err != nil {
			return err
		}
	}
	if ch("validUntil") {
		if vu := getString(news, "validUntil"); vu != "" {
			if strings.ToLower(vu) == "infinity" {
				vu = "infinity"
			}
			if err := exec("VALID UNTIL", fmt.Sprintf("ALTER ROLE %s VALID UNTIL %s", quoteIdent(name), quoteLiteral(vu))); err != nil {
				return err
			}
		}
	}
	if err := revokeRoles(ctx, tx, name); err != nil {
		return err
	}
	if err := grantRoles(ctx, tx, name, getStrings(news, "roles")); err != nil {
		return err
	}
	if err := setSearchPath(ctx, tx, name, getStrings(news, "searchPaths")); err != nil {
		return err
	}
	if err := setRoleSettings(ctx, tx, name, olds, news); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("could not commit transaction: %w", err)
	}
	return nil
}

// readRole reads a role back from pg_roles; nil when it does not exist. prior is the state
// (or the inputs) the provider had: the password is compared, not read, as upstream does.
func readRole(ctx context.Context, db *conn, id string, prior resource.PropertyMap) (resource.PropertyMap, error) {
	cols := []string{"rolname", "rolsuper", "rolinherit", "rolcreaterole", "rolcreatedb", "rolcanlogin",
		"rolconnlimit", "COALESCE(rolvaliduntil::TEXT, 'infinity')", "rolconfig"}
	var (
		roles, config                                          pq.ByteaArray
		name, validUntil                                       string
		super, inherit, createRole, createDB, login, repl, rls bool
		connLimit                                              int
	)
	dest := []any{&roles, &name, &super, &inherit, &createRole, &createDB, &login, &connLimit, &validUntil, &config}
	if db.supports(">=9.1.0") {
		cols = append(cols, "rolreplication")
		dest = append(dest, &repl)
	}
	if db.supports(">=9.5.0") {
		cols = append(cols, "rolbypassrls")
		dest = append(dest, &rls)
	}
	q := fmt.Sprintf(`SELECT ARRAY(
		SELECT pg_get_userbyid(roleid) FROM pg_catalog.pg_auth_members members WHERE member = pg_roles.oid
	), %s FROM pg_catalog.pg_roles WHERE rolname=$1`, strings.Join(cols, ", "))
	err := db.QueryRowContext(ctx, q, id).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("error reading ROLE: %w", err)
	}
	memberOf := make([]string, len(roles))
	for i, r := range roles {
		memberOf[i] = string(r)
	}
	st, err := configInt(config, "statement_timeout")
	if err != nil {
		return nil, err
	}
	it, err := configInt(config, "idle_in_transaction_session_timeout")
	if err != nil {
		return nil, err
	}
	out := resource.PropertyMap{
		"name":                            resource.NewStringProperty(name),
		"superuser":                       resource.NewBoolProperty(super),
		"inherit":                         resource.NewBoolProperty(inherit),
		"createRole":                      resource.NewBoolProperty(createRole),
		"createDatabase":                  resource.NewBoolProperty(createDB),
		"login":                           resource.NewBoolProperty(login),
		"connectionLimit":                 resource.NewNumberProperty(float64(connLimit)),
		"validUntil":                      resource.NewStringProperty(validUntil),
		"replication":                     resource.NewBoolProperty(repl),
		"bypassRowLevelSecurity":          resource.NewBoolProperty(rls),
		"encryptedPassword":               resource.NewBoolProperty(true),
		"roles":                           stringsProp(memberOf),
		"searchPaths":                     stringsProp(searchPath(config)),
		"statementTimeout":                resource.NewNumberProperty(float64(st)),
		"idleInTransactionSessionTimeout": resource.NewNumberProperty(float64(it)),
		"assumeRole":                      resource.NewStringProperty(configString(config, "role")),
		"skipDropRole":                    resource.NewBoolProperty(getBool(prior, "skipDropRole")),
		"skipReassignOwned":               resource.NewBoolProperty(getBool(prior, "skipReassignOwned")),
	}
	if v, ok := prior["encrypted"]; ok {
		out["encrypted"] = v
	}
	if getString(prior, "password") != "" {
		pw, err := readRolePassword(ctx, db, name, getString(prior, "password"), login)
		if err != nil {
			return nil, err
		}
		out["password"] = resource.MakeSecret(resource.NewStringProperty(pw))
	}
	return out, nil
}

// readRolePassword returns the prior password when the server's hash matches it (MD5 or
// SCRAM-SHA-256), and otherwise what the server has, so a changed password shows
// as drift. Only a superuser connection can read pg_shadow; superuser=false skips that.
func readRolePassword(ctx context.Context, db *conn, role, prior string, login bool) (string, error) {
	if !login || !db.cfg.Superuser {
		return prior, nil
	}
	var isSuper bool
	if err := db.QueryRowContext(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = CURRENT_USER").Scan(&isSuper); err != nil {
		return "", fmt.Errorf("could not check if current user is superuser: %w", err)
	}
	if !isSuper {
		return "", fmt.Errorf("could not read role password from Postgres as connected user %s is not a SUPERUSER. "+
			"You can set `superuser = false` in the provider configuration so it will not try to read the password from Postgres",
			db.cfg.dbUser())
	}
	var stored string
	err := db.QueryRowContext(ctx, "SELECT COALESCE(passwd, '') FROM pg_catalog.pg_shadow AS s WHERE s.usename = $1", role).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("error reading role: %w", err)
	}
	if prior != "" && !strings.HasPrefix(prior, "md5") && !strings.HasPrefix(prior, "SCRAM-SHA-256") {
		if strings.HasPrefix(stored, "md5") {
			sum := md5.Sum([]byte(prior + role))
			if "md5"+hex.EncodeToString(sum[:]) == stored {
				return prior, nil
			}
		}
		if strings.HasPrefix(stored, "SCRAM-SHA-256") {
			// Upstream cannot check SCRAM and assumes a match; this verifies the verifier, so
			// a password changed elsewhere shows as drift (undecidable cases: a match).
			if match, ok := scramMatches(stored, prior); match || !ok {
				return prior, nil
			}
		}
	}
	return stored, nil
}

func searchPath(config pq.ByteaArray) []string {
	for _, v := range config {
		s := string(v)
		if strings.HasPrefix(s, "search_path=") {
			parts := strings.Split(strings.TrimPrefix(s, "search_path="), ", ")
			for i := range parts {
				parts[i] = strings.Trim(parts[i], `"`)
			}
			return parts
		}
	}
	return []string{}
}

func configString(config pq.ByteaArray, key string) string {
	res := ""
	for _, v := range config {
		if s := string(v); strings.HasPrefix(s, key+"=") {
			res = strings.TrimPrefix(s, key+"=")
		}
	}
	return res
}

func configInt(config pq.ByteaArray, key string) (int, error) {
	s := configString(config, key)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("error reading %s: %w", key, err)
	}
	return n, nil
}

// deleteRole: REASSIGN OWNED + DROP OWNED (in the provider's database), then DROP ROLE,
// in one transaction; skipReassignOwned/skipDropRole skip the steps.
func deleteRole(ctx context.Context, db *conn, state resource.PropertyMap) error {
	name := getString(state, "name")
	if gone, err := absent(ctx, db, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", name); err != nil || gone {
		return err // already dropped elsewhere: nothing to delete
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("could not start transaction: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := lockRole(ctx, tx, name); err != nil {
		return err
	}
	if !getBool(state, "skipReassignOwned") {
		err := withRolesGranted(ctx, tx, []string{name}, func() error {
			cur := db.cfg.dbUser()
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("REASSIGN OWNED BY %s TO %s", quoteIdent(name), quoteIdent(cur))); err != nil {
				return fmt.Errorf("could not reassign owned by role %s to %s: %w", name, cur, err)
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("DROP OWNED BY %s", quoteIdent(name))); err != nil {
				return fmt.Errorf("could not drop owned by role %s: %w", name, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if !getBool(state, "skipDropRole") {
		if _, err := tx.ExecContext(ctx, "DROP ROLE "+quoteIdent(name)); err != nil {
			return fmt.Errorf("could not delete role %s: %w", name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("could not commit transaction: %w", err)
	}
	return nil
}

type queryer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func isSuperuser(ctx context.Context, q queryer, role string) (bool, error) {
	var b bool
	err := q.QueryRowContext(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = $1", role).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("could not check if %s is superuser: %w", role, err)
	}
	return b, nil
}

// isMember: member can SET ROLE to role (set_option on PG ≥ 16).
func isMember(ctx context.Context, q queryer, role, member string) (bool, error) {
	var one int
	setOption := true
	err := q.QueryRowContext(ctx,
		"SELECT 1 FROM information_schema.columns WHERE table_name='pg_auth_members' AND column_name = 'set_option'").Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		setOption = false
	} else if err != nil {
		return false, fmt.Errorf("could not read setOption column: %w", err)
	}
	query := "SELECT 1 FROM pg_auth_members WHERE pg_get_userbyid(roleid) = $1 AND pg_get_userbyid(member) = $2"
	if setOption {
		query += " AND set_option"
	}
	err = q.QueryRowContext(ctx, query, role, member).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("could not read role membership: %w", err)
	}
	return true, nil
}

func grantMembership(ctx context.Context, q queryer, role, member string) (bool, error) {
	if role == member {
		return false, nil
	}
	ok, err := isMember(ctx, q, role, member)
	if err != nil || ok {
		return false, err
	}
	if _, err := q.ExecContext(ctx, fmt.Sprintf("GRANT %s TO %s", quoteIdent(role), quoteIdent(member))); err != nil {
		return false, fmt.Errorf("error granting role %s to %s: %w", role, member, err)
	}
	return true, nil
}

func revokeMembership(ctx context.Context, q queryer, role, member string) (bool, error) {
	if role == member {
		return false, nil
	}
	ok, err := isMember(ctx, q, role, member)
	if err != nil || !ok {
		return false, err
	}
	if _, err := q.ExecContext(ctx, fmt.Sprintf("REVOKE %s FROM %s", quoteIdent(role), quoteIdent(member))); err != nil {
		return false, fmt.Errorf("error revoking role %s from %s: %w", role, member, err)
	}
	return true, nil
}

// withRolesGranted runs fn with the current user temporarily a member of roles (unless it is
// a superuser), undoing a reverse membership for the time being, as upstream does.
func withRolesGranted(ctx context.Context, tx *sql.Tx, roles []string, fn func() error) error {
	var cur string
	if err := tx.QueryRowContext(ctx, "SELECT CURRENT_USER").Scan(&cur); err != nil {
		return fmt.Errorf("could not get current user: %w", err)
	}
	super, err := isSuperuser(ctx, tx, cur)
	if err != nil {
		return err
	}
	if super {
		return fn()
	}
	var granted, revoked []string
	for _, r := range roles {
		rs, err := isSuperuser(ctx, tx, r)
		if err != nil {
			return err
		}
		if rs {
			continue
		}
		did, err := revokeMembership(ctx, tx, cur, r)
		if err != nil {
			return err
		}
		if did {
			revoked = append(revoked, r)
		}
		did, err = grantMembership(ctx, tx, r, cur)
		if err != nil {
			return err
		}
		if did {
			granted = append(granted, r)
		}
	}
	if err := fn(); err != nil {
		return err
	}
	for _, r := range granted {
		if _, err := revokeMembership(ctx, tx, r, cur); err != nil {
			return err
		}
	}
	for _, r := range revoked {
		var one int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM pg_roles WHERE rolname = $1", r).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := grantMembership(ctx, tx, cur, r); err != nil {
			return err
		}
	}
	return nil
}

// absent runs an existence query (one row when the object exists).
func absent(ctx context.Context, q queryer, query, name string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, name).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("error checking whether %s exists: %w", name, err)
	}
	return false, nil
}
