package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// The PostgreSQL tests need a server and a superuser connection to it:
//
//	EQMD_TEST_PG_DSN='host=127.0.0.1 port=55499 user=postgres password=... dbname=postgres sslmode=disable'
//
// Password authentication must be on for TCP (the tests log in as the roles they create).
const dsnEnv = "EQMD_TEST_PG_DSN"

const (
	roleURN = "urn:pulumi:dev::proj::postgresql:index/role:Role::r"
	dbURN   = "urn:pulumi:dev::proj::postgresql:index/database:Database::d"
)

func parseDSN(t *testing.T, dsn string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, f := range strings.Fields(dsn) {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			t.Fatalf("%s: %q is not key=value (quote-free values only)", dsnEnv, f)
		}
		m[k] = strings.Trim(v, "'")
	}
	return m
}

// testServer returns a configured provider and an admin connection, or fails the test.
func testServer(t *testing.T) (*server, *sql.DB, map[string]string) {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Fatalf("no PostgreSQL server for this test: set %s to a superuser DSN, e.g. "+
			"'host=127.0.0.1 port=55499 user=postgres password=secret dbname=postgres sslmode=disable'", dsnEnv)
	}
	admin, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatalf("%s: %v", dsnEnv, err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	if err := admin.Ping(); err != nil {
		t.Fatalf("cannot reach the PostgreSQL server of %s: %v", dsnEnv, err)
	}
	kv := parseDSN(t, dsn)
	s := newServer()
	// As @pulumi/postgresql sends an explicit provider's inputs: non-strings JSON-encoded.
	args := map[string]any{
		"host": kv["host"], "port": kv["port"], "username": kv["user"], "password": kv["password"],
		"database": kv["dbname"], "superuser": "true", "connectTimeout": "10",
	}
	if kv["sslmode"] != "" {
		args["sslmode"] = kv["sslmode"]
	}
	pm := resource.NewPropertyMapFromMap(args)
	pm["password"] = resource.MakeSecret(pm["password"])
	st := mustMarshal(t, pm)
	cresp, err := s.CheckConfig(context.Background(), &pulumirpc.CheckRequest{Urn: "urn:pulumi:dev::proj::pulumi:providers:postgresql::p", News: st})
	if err != nil || len(cresp.GetFailures()) > 0 {
		t.Fatalf("CheckConfig: %v %v", err, cresp.GetFailures())
	}
	if _, err := s.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: cresp.GetInputs(), AcceptSecrets: true}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return s, admin, kv
}

func mustMarshal(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pm(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

type harness struct {
	t *testing.T
	s *server
}

func (h harness) check(urn string, in resource.PropertyMap) resource.PropertyMap {
	h.t.Helper()
	resp, err := h.s.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, News: mustMarshal(h.t, in), RandomSeed: []byte("seed")})
	if err != nil {
		h.t.Fatal(err)
	}
	if len(resp.GetFailures()) > 0 {
		h.t.Fatalf("check failures: %v", resp.GetFailures())
	}
	out, _ := unmarshal(resp.GetInputs())
	return out
}

func (h harness) create(urn string, in resource.PropertyMap) (string, resource.PropertyMap, error) {
	h.t.Helper()
	resp, err := h.s.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urn, Properties: mustMarshal(h.t, in)})
	if err != nil {
		return "", nil, err
	}
	out, _ := unmarshal(resp.GetProperties())
	return resp.GetId(), out, nil
}

func (h harness) diff(urn, id string, state, news resource.PropertyMap) *pulumirpc.DiffResponse {
	h.t.Helper()
	resp, err := h.s.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urn, Id: id, Olds: mustMarshal(h.t, state), News: mustMarshal(h.t, news)})
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

func (h harness) update(urn, id string, state, news resource.PropertyMap) resource.PropertyMap {
	h.t.Helper()
	resp, err := h.s.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: urn, Id: id, Olds: mustMarshal(h.t, state), News: mustMarshal(h.t, news)})
	if err != nil {
		h.t.Fatal(err)
	}
	out, _ := unmarshal(resp.GetProperties())
	return out
}

func (h harness) read(urn, id string, state, inputs resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap) {
	h.t.Helper()
	req := &pulumirpc.ReadRequest{Urn: urn, Id: id}
	if state != nil {
		req.Properties = mustMarshal(h.t, state)
	}
	if inputs != nil {
		req.Inputs = mustMarshal(h.t, inputs)
	}
	resp, err := h.s.Read(context.Background(), req)
	if err != nil {
		h.t.Fatal(err)
	}
	out, _ := unmarshal(resp.GetProperties())
	in, _ := unmarshal(resp.GetInputs())
	return resp.GetId(), out, in
}

func (h harness) delete(urn, id string, state resource.PropertyMap) error {
	h.t.Helper()
	_, err := h.s.Delete(context.Background(), &pulumirpc.DeleteRequest{Urn: urn, Id: id, Properties: mustMarshal(h.t, state)})
	return err
}

func uniq(prefix string) string { return fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano()%1e9) }

func canLogin(kv map[string]string, role, password, db string) error {
	dsn := fmt.Sprintf("host=%s port=%s user=%s password=%s dbname=%s sslmode=disable connect_timeout=5",
		kv["host"], kv["port"], role, quoteDSN(password), db)
	c, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Ping()
}

func quoteDSN(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `\'`) + "'"
}

func dropRoleIfExists(admin *sql.DB, role string) {
	_, _ = admin.Exec("DROP OWNED BY " + pq.QuoteIdentifier(role))
	_, _ = admin.Exec("DROP ROLE IF EXISTS " + pq.QuoteIdentifier(role))
}

func TestRoleLifecycle(t *testing.T) {
	s, admin, kv := testServer(t)
	h := harness{t, s}
	name := uniq("eqmd_role")
	t.Cleanup(func() { dropRoleIfExists(admin, name); dropRoleIfExists(admin, name+"_renamed") })
	password := `pw-'quote\back"` + uniq("x")

	in := pm(map[string]any{"name": name, "login": true, "password": password})
	checked := h.check(roleURN, in)
	if !checked["password"].IsSecret() {
		t.Errorf("Check left the password public")
	}
	if getInt(checked, "connectionLimit") != -1 || !getBool(checked, "inherit") || getString(checked, "validUntil") != "infinity" {
		t.Errorf("Check did not apply the upstream defaults: %v", checked)
	}
	id, state, err := h.create(roleURN, checked)
	if err != nil {
		t.Fatal(err)
	}
	if id != name || !state["password"].IsSecret() || getString(state, "password") != password {
		t.Fatalf("create: id %q state %v", id, state)
	}
	if err := canLogin(kv, name, password, "postgres"); err != nil {
		t.Fatalf("the created role cannot log in with its password: %v", err)
	}
	if d := h.diff(roleURN, id, state, checked); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("second up would not be a no-op: %v", d)
	}
	// Refresh reads the same state back (the SCRAM hash matches the stored password).
	rid, rstate, _ := h.read(roleURN, id, state, checked)
	if rid != name || getString(rstate, "password") != password {
		t.Fatalf("refresh: %q %v", rid, rstate)
	}
	if d := h.diff(roleURN, id, rstate, checked); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("refresh without drift shows changes: %v", d)
	}

	// Drift: someone removes LOGIN and sets a connection limit.
	if _, err := admin.Exec(fmt.Sprintf("ALTER ROLE %s NOLOGIN CONNECTION LIMIT 3", pq.QuoteIdentifier(name))); err != nil {
		t.Fatal(err)
	}
	_, rstate, rinputs := h.read(roleURN, id, state, checked)
	if getBool(rstate, "login") || getInt(rstate, "connectionLimit") != 3 {
		t.Fatalf("refresh did not see the drift: %v", rstate)
	}
	// The refreshed inputs carry the values read back (so the next diff displays them).
	if getBool(rinputs, "login") || getInt(rinputs, "connectionLimit") != 3 || !rinputs["password"].IsSecret() {
		t.Fatalf("refreshed inputs: %v", rinputs)
	}
	d := h.diff(roleURN, id, rstate, checked)
	if d.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || d.GetDetailedDiff()["login"] == nil ||
		d.GetDetailedDiff()["connectionLimit"] == nil || len(d.GetReplaces()) != 0 {
		t.Fatalf("drift diff: %v", d)
	}
	state = h.update(roleURN, id, rstate, checked)
	if !getBool(state, "login") || getInt(state, "connectionLimit") != -1 {
		t.Fatalf("update did not repair the drift: %v", state)
	}

	// Password change, in place.
	newPassword := "second-" + uniq("pw")
	news := h.check(roleURN, pm(map[string]any{"name": name, "login": true, "password": newPassword, "createDatabase": true}))
	d = h.diff(roleURN, id, state, news)
	if d.GetDetailedDiff()["password"].GetKind() != pulumirpc.PropertyDiff_UPDATE || len(d.GetReplaces()) != 0 {
		t.Fatalf("password diff: %v", d)
	}
	state = h.update(roleURN, id, state, news)
	if err := canLogin(kv, name, newPassword, "postgres"); err != nil {
		t.Fatalf("new password does not work: %v", err)
	}
	if err := canLogin(kv, name, password, "postgres"); err == nil {
		t.Fatalf("old password still works")
	}
	var createdb bool
	if err := admin.QueryRow("SELECT rolcreatedb FROM pg_roles WHERE rolname=$1", name).Scan(&createdb); err != nil || !createdb {
		t.Fatalf("createDatabase not applied: %v %v", createdb, err)
	}

	// Password changed behind our back: refresh shows drift (the server's hash, still secret).
	if _, err := admin.Exec(fmt.Sprintf("ALTER ROLE %s PASSWORD 'changed-elsewhere'", pq.QuoteIdentifier(name))); err != nil {
		t.Fatal(err)
	}
	_, rstate, _ = h.read(roleURN, id, state, news)
	if got := getString(rstate, "password"); !strings.HasPrefix(got, "SCRAM-SHA-256$") || !rstate["password"].IsSecret() {
		t.Errorf("a password changed elsewhere is no drift after refresh (secret=%v)", rstate["password"].IsSecret())
	}
	if d := h.diff(roleURN, id, rstate, news); d.GetDetailedDiff()["password"].GetKind() != pulumirpc.PropertyDiff_UPDATE {
		t.Errorf("password drift diff: %v", d)
	}
	state = h.update(roleURN, id, rstate, news)
	if err := canLogin(kv, name, newPassword, "postgres"); err != nil || getString(state, "password") != newPassword {
		t.Fatalf("update did not restore the password: %v", err)
	}

	// Import by id: no state, no inputs.
	iid, istate, iinputs := h.read(roleURN, name, nil, nil)
	if iid != name || getString(istate, "name") != name || !getBool(istate, "login") || getString(iinputs, "name") != name {
		t.Fatalf("import: %q %v %v", iid, istate, iinputs)
	}

	// A failing create does not leak the password into the error.
	_, _, err = h.create(roleURN, h.check(roleURN, pm(map[string]any{"name": name, "password": "leak-me-not-123"})))
	if err == nil || strings.Contains(err.Error(), "leak-me-not-123") || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate create: %v", err)
	}

	// Rename in place.
	renamed := h.check(roleURN, pm(map[string]any{"name": name + "_renamed", "login": true, "password": newPassword, "createDatabase": true}))
	d = h.diff(roleURN, id, state, renamed)
	if d.GetDetailedDiff()["name"].GetKind() != pulumirpc.PropertyDiff_UPDATE || len(d.GetReplaces()) != 0 {
		t.Fatalf("rename diff: %v", d)
	}
	state = h.update(roleURN, id, state, renamed)
	if err := canLogin(kv, name+"_renamed", newPassword, "postgres"); err != nil {
		t.Fatalf("renamed role cannot log in: %v", err)
	}

	// Delete: objects the role owns are reassigned to the admin, then the role is dropped.
	table := uniq("owned_table")
	if _, err := admin.Exec(fmt.Sprintf("CREATE TABLE %s (i int); ALTER TABLE %s OWNER TO %s", table, table, pq.QuoteIdentifier(name+"_renamed"))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP TABLE IF EXISTS " + table) })
	if err := h.delete(roleURN, name+"_renamed", state); err != nil {
		t.Fatal(err)
	}
	var n int
	_ = admin.QueryRow("SELECT count(*) FROM pg_roles WHERE rolname=$1", name+"_renamed").Scan(&n)
	if n != 0 {
		t.Fatalf("role not dropped")
	}
	var owner string
	if err := admin.QueryRow("SELECT tableowner FROM pg_tables WHERE tablename=$1", table).Scan(&owner); err != nil || owner != kv["user"] {
		t.Fatalf("owned table not reassigned to %s: %q %v", kv["user"], owner, err)
	}
	// Gone: refresh reports deletion with an empty id.
	if gid, _, _ := h.read(roleURN, name+"_renamed", state, renamed); gid != "" {
		t.Fatalf("read of a dropped role returned id %q", gid)
	}
	if err := h.delete(roleURN, name+"_renamed", state); err != nil {
		t.Fatalf("deleting a role that is already gone: %v", err)
	}
}

func TestRoleOptions(t *testing.T) {
	s, admin, _ := testServer(t)
	h := harness{t, s}
	parent := uniq("eqmd_parent")
	name := uniq("eqmd_opts")
	t.Cleanup(func() { dropRoleIfExists(admin, name); dropRoleIfExists(admin, parent) })
	if _, err := admin.Exec("CREATE ROLE " + parent); err != nil {
		t.Fatal(err)
	}
	in := h.check(roleURN, pm(map[string]any{"name": name, "roles": []any{parent}, "searchPaths": []any{"a", "public"},
		"statementTimeout": 1500.0, "validUntil": "2099-01-01 00:00:00+00", "connectionLimit": 7.0, "createRole": true, "inherit": false}))
	id, state, err := h.create(roleURN, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := getStrings(state, "roles"); len(got) != 1 || got[0] != parent {
		t.Errorf("roles = %v", got)
	}
	if got := getStrings(state, "searchPaths"); strings.Join(got, ",") != "a,public" {
		t.Errorf("searchPaths = %v", got)
	}
	if getInt(state, "statementTimeout") != 1500 || getInt(state, "connectionLimit") != 7 || !getBool(state, "createRole") || getBool(state, "inherit") {
		t.Errorf("state = %v", state)
	}
	if d := h.diff(roleURN, id, state, in); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("no-op diff: %v", d)
	}
	// Unset everything optional: the role goes back to the defaults.
	plainIn := h.check(roleURN, pm(map[string]any{"name": name, "validUntil": "2099-01-01 00:00:00+00"}))
	state = h.update(roleURN, id, state, plainIn)
	if len(getStrings(state, "roles")) != 0 || len(getStrings(state, "searchPaths")) != 0 || getInt(state, "statementTimeout") != 0 ||
		getBool(state, "createRole") || !getBool(state, "inherit") || getInt(state, "connectionLimit") != -1 {
		t.Errorf("after reset: %v", state)
	}
	if d := h.diff(roleURN, id, state, plainIn); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("no-op diff after reset: %v", d)
	}
	if err := h.delete(roleURN, id, state); err != nil {
		t.Fatal(err)
	}
}

func TestDatabaseLifecycle(t *testing.T) {
	s, admin, kv := testServer(t)
	h := harness{t, s}
	owner := uniq("eqmd_owner")
	owner2 := uniq("eqmd_owner2")
	dbName := uniq("eqmd_db")
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)")
		dropRoleIfExists(admin, owner)
		dropRoleIfExists(admin, owner2)
	})
	ownerPw := "owner-" + uniq("pw")
	_, _, err := h.create(roleURN, h.check(roleURN, pm(map[string]any{"name": owner, "login": true, "password": ownerPw})))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE ROLE " + owner2); err != nil {
		t.Fatal(err)
	}
	// The program's database: UTF8, C/C from template0, owned by the login role.
	in := h.check(dbURN, pm(map[string]any{"name": dbName, "owner": owner, "encoding": "UTF8", "lcCollate": "C", "lcCtype": "C", "template": "template0"}))
	pre, err := h.s.Create(context.Background(), &pulumirpc.CreateRequest{Urn: dbURN, Properties: mustMarshal(t, h.check(dbURN, pm(map[string]any{"name": dbName}))), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	preOut, _ := unmarshal(pre.GetProperties())
	if !preOut["owner"].IsComputed() || !preOut["encoding"].IsComputed() {
		t.Errorf("preview should leave computed properties unknown: %v", preOut)
	}
	var n int
	_ = admin.QueryRow("SELECT count(*) FROM pg_database WHERE datname=$1", dbName).Scan(&n)
	if n != 0 {
		t.Fatal("preview created the database")
	}
	id, state, err := h.create(dbURN, in)
	if err != nil {
		t.Fatal(err)
	}
	var gotOwner, enc, collate, ctype string
	if err := admin.QueryRow(`SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database WHERE datname=$1`, dbName).
		Scan(&gotOwner, &enc, &collate, &ctype); err != nil {
		t.Fatal(err)
	}
	if id != dbName || gotOwner != owner || enc != "UTF8" || collate != "C" || ctype != "C" {
		t.Fatalf("database: id %q owner %q %s %s %s", id, gotOwner, enc, collate, ctype)
	}
	if err := canLogin(kv, owner, ownerPw, dbName); err != nil {
		t.Fatalf("owner cannot connect: %v", err)
	}
	if d := h.diff(dbURN, id, state, in); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("second up would not be a no-op: %v", d)
	}
	// Without the computed inputs there is no diff either (they are whatever the server has).
	if d := h.diff(dbURN, id, state, h.check(dbURN, pm(map[string]any{"name": dbName}))); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("omitted computed inputs show a diff: %v", d)
	}
	// ForceNew properties replace, dropping first (same name).
	d := h.diff(dbURN, id, state, h.check(dbURN, pm(map[string]any{"name": dbName, "owner": owner, "encoding": "UTF8", "lcCollate": "en_US.UTF-8", "lcCtype": "C", "template": "template0"})))
	if len(d.GetReplaces()) != 1 || d.GetReplaces()[0] != "lcCollate" || !d.GetDeleteBeforeReplace() ||
		d.GetDetailedDiff()["lcCollate"].GetKind() != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Fatalf("lcCollate change: %v", d)
	}
	// Drift is read back.
	if _, err := admin.Exec("ALTER DATABASE " + dbName + " CONNECTION LIMIT 5"); err != nil {
		t.Fatal(err)
	}
	_, rstate, _ := h.read(dbURN, id, state, in)
	if getInt(rstate, "connectionLimit") != 5 || getString(rstate, "template") != "template0" {
		t.Fatalf("refresh: %v", rstate)
	}
	if d := h.diff(dbURN, id, rstate, in); d.GetDetailedDiff()["connectionLimit"] == nil || len(d.GetReplaces()) != 0 {
		t.Fatalf("drift diff: %v", d)
	}
	// Owner change in place.
	in2 := h.check(dbURN, pm(map[string]any{"name": dbName, "owner": owner2, "encoding": "UTF8", "lcCollate": "C", "lcCtype": "C", "template": "template0"}))
	d = h.diff(dbURN, id, rstate, in2)
	if d.GetDetailedDiff()["owner"].GetKind() != pulumirpc.PropertyDiff_UPDATE || len(d.GetReplaces()) != 0 {
		t.Fatalf("owner diff: %v", d)
	}
	state = h.update(dbURN, id, rstate, in2)
	if getString(state, "owner") != owner2 || getInt(state, "connectionLimit") != -1 {
		t.Fatalf("after update: %v", state)
	}
	// Import by id.
	iid, istate, _ := h.read(dbURN, dbName, nil, nil)
	if iid != dbName || getString(istate, "owner") != owner2 || getString(istate, "template") != "template0" {
		t.Fatalf("import: %q %v", iid, istate)
	}
	// Delete with a session still connected: the connection is terminated, the database dropped.
	c, err := sql.Open("postgres", fmt.Sprintf("host=%s port=%s user=%s password=%s dbname=%s sslmode=disable",
		kv["host"], kv["port"], kv["user"], quoteDSN(kv["password"]), dbName))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	conn, err := c.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := h.delete(dbURN, id, state); err != nil {
		t.Fatal(err)
	}
	_ = admin.QueryRow("SELECT count(*) FROM pg_database WHERE datname=$1", dbName).Scan(&n)
	if n != 0 {
		t.Fatal("database not dropped")
	}
	if gid, _, _ := h.read(dbURN, dbName, state, in2); gid != "" {
		t.Fatalf("read of a dropped database returned id %q", gid)
	}
	if err := h.delete(dbURN, id, state); err != nil {
		t.Fatalf("deleting a database that is already gone: %v", err)
	}
}

func TestConfigParsing(t *testing.T) {
	t.Setenv("PGHOST", "env-host")
	t.Setenv("PGPORT", "6543")
	t.Setenv("PGUSER", "env-user")
	t.Setenv("PGPASSWORD", "env-pw")
	t.Setenv("PGDATABASE", "env-db")
	t.Setenv("PGSSLMODE", "require")
	t.Setenv("PGSUPERUSER", "false")
	t.Setenv("PGCONNECT_TIMEOUT", "7")
	c, errs := parseConfig(resource.PropertyMap{})
	if len(errs) > 0 || c.Host != "env-host" || c.Port != 6543 || c.Username != "env-user" || c.Password != "env-pw" ||
		c.Database != "env-db" || c.SSLMode != "require" || c.Superuser || c.ConnectTimeout != 7 || c.MaxConns != 20 {
		t.Errorf("env fallbacks: %+v %v", c, errs)
	}
	// Explicit inputs win; the SDK sends numbers and booleans JSON-encoded.
	c, errs = parseConfig(pm(map[string]any{"host": "h", "port": "5433", "superuser": "true", "sslmode": "verify-full",
		"connectTimeout": "180", "maxConnections": 4.0, "expectedVersion": "15.0.0", "username": "u", "database": "d"}))
	if len(errs) > 0 || c.Host != "h" || c.Port != 5433 || !c.Superuser || c.SSLMode != "verify-full" || c.MaxConns != 4 || c.expectedIsDefault {
		t.Errorf("explicit: %+v %v", c, errs)
	}
	if _, errs = parseConfig(pm(map[string]any{"sslmode": "sometimes", "port": "x"})); len(errs) != 2 {
		t.Errorf("invalid values accepted: %v", errs)
	}
	unknown := resource.PropertyMap{"password": resource.MakeComputed(resource.NewStringProperty(""))}
	c, _ = parseConfig(unknown)
	if len(c.Unknown) != 1 {
		t.Errorf("unknown password not recorded")
	}
	if _, err := newClient(c).connect(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "not known") {
		t.Errorf("connect with unknown config: %v", err)
	}
	// Errors never carry the password.
	bad := &Config{Host: "127.0.0.1", Port: 1, Username: "u", Password: "do-not-print-me", Database: "d", SSLMode: "disable", ConnectTimeout: 2}
	if _, err := newClient(bad).connect(context.Background(), ""); err == nil || strings.Contains(err.Error(), "do-not-print-me") {
		t.Errorf("connection error: %v", err)
	}
	// Stack config (pulumi config set postgresql:host ...) arrives as variables.
	s := newServer()
	if _, err := s.Configure(context.Background(), &pulumirpc.ConfigureRequest{Variables: map[string]string{"postgresql:config:port": "5999"}}); err != nil {
		t.Fatal(err)
	}
	if s.getClient().cfg.Port != 5999 {
		t.Errorf("variables: %+v", s.getClient().cfg)
	}
}

func TestCheckAndDiffWithoutServer(t *testing.T) {
	s := newServer()
	h := harness{t, s}
	in := h.check(roleURN, pm(map[string]any{}))
	if n := getString(in, "name"); !strings.HasPrefix(n, "r-") || len(n) != len("r-")+7 {
		t.Errorf("autoname = %q", n)
	}
	resp, err := s.Check(context.Background(), &pulumirpc.CheckRequest{Urn: roleURN, News: mustMarshal(t, pm(map[string]any{"name": "x", "passwordWo": "p", "login": "yes"}))})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.GetFailures()) != 2 {
		t.Errorf("failures: %v", resp.GetFailures())
	}
	if _, err := s.Check(context.Background(), &pulumirpc.CheckRequest{Urn: "urn:pulumi:dev::proj::postgresql:index/grant:Grant::g"}); err == nil {
		t.Errorf("unimplemented resource accepted")
	}
	// Operations that need the server fail clearly before Configure.
	if _, _, err := h.create(roleURN, h.check(roleURN, pm(map[string]any{"name": "x"}))); err == nil || !strings.Contains(err.Error(), "not configured") {
		t.Errorf("create without configure: %v", err)
	}
}

func TestSchema(t *testing.T) {
	resp, err := newServer().GetSchema(context.Background(), &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var sch struct {
		Name      string
		Version   string
		Resources map[string]struct {
			InputProperties map[string]map[string]any
		}
		Provider struct{ InputProperties map[string]map[string]any }
	}
	if err := json.Unmarshal([]byte(resp.GetSchema()), &sch); err != nil {
		t.Fatal(err)
	}
	if sch.Name != "postgresql" || sch.Version != version {
		t.Errorf("schema header %q %q", sch.Name, sch.Version)
	}
	for _, spec := range []*resourceSpec{roleSpec, databaseSpec} {
		r, ok := sch.Resources[spec.token]
		if !ok {
			t.Fatalf("schema lacks %s", spec.token)
		}
		for _, p := range spec.props {
			if _, ok := r.InputProperties[p.name]; !ok {
				t.Errorf("schema of %s lacks %s", spec.token, p.name)
			}
		}
	}
	if sch.Provider.InputProperties["password"]["secret"] != true {
		t.Errorf("provider password not secret in the schema")
	}
}

// TestBuiltPlugin builds the plugin with build.sh and talks gRPC to it as the engine does.
func TestBuiltPlugin(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("./build.sh", dir, "3.18.1").CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	plugin := exec.Command(filepath.Join(dir, "pulumi-resource-postgresql"), "127.0.0.1:1")
	stdout, _ := plugin.StdoutPipe()
	if err := plugin.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = plugin.Process.Kill(); _ = plugin.Wait() }()
	portc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			portc <- strings.TrimSpace(sc.Text())
		}
	}()
	var port string
	select {
	case port = <-portc:
	case <-time.After(60 * time.Second):
		t.Fatal("the plugin printed no port")
	}
	cc, err := grpc.NewClient("127.0.0.1:"+port, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	info, err := pulumirpc.NewResourceProviderClient(cc).GetPluginInfo(context.Background(), &emptypb.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if info.GetVersion() != "3.18.1" {
		t.Errorf("plugin version %q", info.GetVersion())
	}
}

func TestRolePasswordReadBack(t *testing.T) {
	s, admin, _ := testServer(t)
	h := harness{t, s}
	name := uniq("eqmd_pwread")
	t.Cleanup(func() { dropRoleIfExists(admin, name) })
	in := h.check(roleURN, pm(map[string]any{"name": name, "login": true, "password": "check-pw-md5"}))
	id, state, err := h.create(roleURN, in)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := admin.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	setPw := func(pw string) {
		if _, err := conn.ExecContext(context.Background(), "SET password_encryption = 'md5'"); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(context.Background(), fmt.Sprintf("ALTER ROLE %s PASSWORD %s", pq.QuoteIdentifier(name), pq.QuoteLiteral(pw))); err != nil {
			t.Fatal(err)
		}
	}
	setPw("check-pw-md5") // same password, MD5-hashed: no drift
	_, rstate, _ := h.read(roleURN, id, state, in)
	if getString(rstate, "password") != "check-pw-md5" {
		t.Errorf("matching MD5 hash read as drift: %q (state %q)", getString(rstate, "password"), getString(state, "password"))
	}
	setPw("another-pw") // different: the hash comes back, secret, and the diff updates it
	_, rstate, _ = h.read(roleURN, id, state, in)
	if !strings.HasPrefix(getString(rstate, "password"), "md5") || !rstate["password"].IsSecret() {
		t.Errorf("changed MD5 password not read back as drift")
	}
	if d := h.diff(roleURN, id, rstate, in); d.GetDetailedDiff()["password"] == nil {
		t.Errorf("no password diff after drift: %v", d)
	}
	// superuser=false: the password is never read from pg_shadow.
	s.getClient().cfg.Superuser = false
	_, rstate, _ = h.read(roleURN, id, state, in)
	if getString(rstate, "password") != "check-pw-md5" {
		t.Errorf("superuser=false read the password from the server")
	}
	s.getClient().cfg.Superuser = true
	if err := h.delete(roleURN, id, state); err != nil {
		t.Fatal(err)
	}
}

func TestScramMatches(t *testing.T) {
	// Verifier for "pencil" with the RFC 7677 salt and 4096 iterations.
	v := "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:0d4lz5YT5Gz/v4GYN7iW7KF/zcdLczjwC1GWrtiqeGk="
	if m, ok := scramMatches(v, "pencil"); !m || !ok {
		t.Errorf("pencil: match=%v ok=%v", m, ok)
	}
	if m, ok := scramMatches(v, "pen"); m || !ok {
		t.Errorf("pen: match=%v ok=%v", m, ok)
	}
	if _, ok := scramMatches(v, "pénc"); ok {
		t.Errorf("non-ASCII passwords must be undecidable")
	}
}

// TestNonSuperuserAdmin: an admin with only CREATEROLE and CREATEDB (a managed server's
// usual admin) creates and drops a login role and a database it owns, with superuser=false.
func TestNonSuperuserAdmin(t *testing.T) {
	_, admin, kv := testServer(t)
	adminRole := uniq("eqmd_admin")
	adminPw := "admin-" + uniq("pw")
	role := uniq("eqmd_app")
	dbName := uniq("eqmd_appdb")
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + dbName + " WITH (FORCE)")
		dropRoleIfExists(admin, role)
		dropRoleIfExists(admin, adminRole)
	})
	if _, err := admin.Exec(fmt.Sprintf("CREATE ROLE %s LOGIN CREATEROLE CREATEDB PASSWORD %s", adminRole, pq.QuoteLiteral(adminPw))); err != nil {
		t.Fatal(err)
	}
	s := newServer()
	args := mustMarshal(t, pm(map[string]any{"host": kv["host"], "port": kv["port"], "username": adminRole, "password": adminPw,
		"database": "postgres", "sslmode": "disable", "superuser": "false"}))
	if _, err := s.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: args}); err != nil {
		t.Fatal(err)
	}
	h := harness{t, s}
	rin := h.check(roleURN, pm(map[string]any{"name": role, "login": true, "password": "app-pw-1"}))
	rid, rstate, err := h.create(roleURN, rin)
	if err != nil {
		t.Fatal(err)
	}
	din := h.check(dbURN, pm(map[string]any{"name": dbName, "owner": role, "encoding": "UTF8", "lcCollate": "C", "lcCtype": "C", "template": "template0"}))
	did, dstate, err := h.create(dbURN, din)
	if err != nil {
		t.Fatal(err)
	}
	if getString(dstate, "owner") != role {
		t.Fatalf("owner %q", getString(dstate, "owner"))
	}
	// The temporary membership used for CREATE DATABASE ... OWNER is revoked again.
	var n int
	_ = admin.QueryRow(`SELECT count(*) FROM pg_auth_members WHERE pg_get_userbyid(roleid)=$1 AND pg_get_userbyid(member)=$2`, role, adminRole).Scan(&n)
	if n != 0 {
		t.Errorf("the admin is still a member of %s", role)
	}
	if d := h.diff(roleURN, rid, rstate, rin); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("role no-op diff with superuser=false: %v", d)
	}
	if err := h.delete(dbURN, did, dstate); err != nil {
		t.Fatal(err)
	}
	if err := h.delete(roleURN, rid, rstate); err != nil {
		t.Fatal(err)
	}
	_ = admin.QueryRow("SELECT count(*) FROM pg_roles WHERE rolname=$1", role).Scan(&n)
	if n != 0 {
		t.Errorf("role not dropped")
	}
}
