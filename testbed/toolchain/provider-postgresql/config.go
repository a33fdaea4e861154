package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/blang/semver"
	"github.com/lib/pq"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const (
	defaultExpectedVersion = "9.0.0"
	defaultMaxConnections  = 20
	defaultConnectTimeout  = 180
	applicationName        = "Pulumi postgresql provider"
)

// Config is the provider configuration, after env fallbacks and defaults, as the
// upstream Terraform provider resolves it.
type Config struct {
	Host              string
	Port              int
	Username          string
	Password          string
	Database          string
	DatabaseUsername  string
	SSLMode           string
	SSLRootCert       string
	ClientCert        string
	ClientKey         string
	ClientInline      bool
	Superuser         bool
	ConnectTimeout    int
	MaxConns          int
	ExpectedVersion   semver.Version
	expectedIsDefault bool

	// Unknown lists configuration keys whose values are not known yet (preview).
	Unknown []string
}

// configKeys maps the SDK's property names to the env var that is their fallback.
var configKeys = map[string]string{
	"host": "PGHOST", "port": "PGPORT", "username": "PGUSER", "password": "PGPASSWORD",
	"database": "PGDATABASE", "sslmode": "PGSSLMODE", "superuser": "PGSUPERUSER",
	"connectTimeout": "PGCONNECT_TIMEOUT", "expectedVersion": "", "maxConnections": "",
	"databaseUsername": "", "sslMode": "", "sslrootcert": "", "clientcert": "", "scheme": "",
	"awsRdsIamAuth": "", "awsRdsIamProfile": "", "awsRdsIamRegion": "", "awsRdsIamProviderRoleArn": "",
	"azureIdentityAuth": "", "azureTenantId": "", "gcpIamImpersonateServiceAccount": "",
}

var validSSLModes = []string{"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}

// configValue returns a config value as a string: the SDKs send non-string provider
// inputs JSON-encoded ("5432", "true"); stack config sends strings too.
func configValue(m resource.PropertyMap, k string) (val string, set bool, unknown bool) {
	v, ok := m[resource.PropertyKey(k)]
	if !ok {
		return "", false, false
	}
	v = unsecret(v)
	switch {
	case v.IsComputed() || v.IsOutput() && !v.OutputValue().Known:
		return "", false, true
	case v.IsOutput():
		v = unsecret(v.OutputValue().Element)
	}
	switch {
	case v.IsNull():
		return "", false, false
	case v.IsString():
		s := v.StringValue()
		if s == "null" { // JSON.stringify(null)
			return "", false, false
		}
		return s, true, false
	case v.IsNumber():
		return strconv.FormatFloat(v.NumberValue(), 'f', -1, 64), true, false
	case v.IsBool():
		return strconv.FormatBool(v.BoolValue()), true, false
	case v.IsObject() || v.IsArray():
		return "", true, false // structured (clientcert); read separately
	}
	return "", false, false
}

func parseBool(k, s string) (bool, error) {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return false, fmt.Errorf("%s: %q is not a boolean", k, s)
	}
	return b, nil
}

func parseInt(k, s string) (int, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int(f)) {
		return int(f), nil
	}
	return 0, fmt.Errorf("%s: %q is not an integer", k, s)
}

// parseConfig resolves the configuration from the provider's inputs (explicit provider
// resource or stack config), with the env fallbacks and defaults of the upstream provider.
func parseConfig(m resource.PropertyMap) (*Config, []string) {
	var errs []string
	c := &Config{}
	get := func(k string) (string, bool) {
		v, set, unknown := configValue(m, k)
		if unknown {
			c.Unknown = append(c.Unknown, k)
			return "", false
		}
		if !set {
			if env := configKeys[k]; env != "" {
				if ev, ok := os.LookupEnv(env); ok {
					return ev, true
				}
			}
			return "", false
		}
		return v, true
	}
	c.Host, _ = get("host")
	c.Port = 5432
	if v, ok := get("port"); ok {
		p, err := parseInt("port", v)
		if err != nil || p <= 0 || p > 65535 {
			errs = append(errs, fmt.Sprintf("port: %q is not a TCP port", v))
		}
		c.Port = p
	}
	c.Username = "postgres"
	if v, ok := get("username"); ok {
		c.Username = v
	}
	c.Password, _ = get("password")
	c.Database = "postgres"
	if v, ok := get("database"); ok {
		c.Database = v
	}
	c.DatabaseUsername, _ = get("databaseUsername")
	if v, ok := get("sslmode"); ok {
		c.SSLMode = v
	} else if v, ok := get("sslMode"); ok {
		c.SSLMode = v
	}
	if c.SSLMode != "" && !contains(validSSLModes, c.SSLMode) {
		errs = append(errs, fmt.Sprintf("sslmode: %q is not one of %s", c.SSLMode, strings.Join(validSSLModes, ", ")))
	}
	c.SSLRootCert, _ = get("sslrootcert")
	c.Superuser = true
	if v, ok := get("superuser"); ok {
		b, err := parseBool("superuser", v)
		if err != nil {
			errs = append(errs, err.Error())
		}
		c.Superuser = b
	}
	c.ConnectTimeout = defaultConnectTimeout
	if v, ok := get("connectTimeout"); ok {
		n, err := parseInt("connectTimeout", v)
		if err != nil || n < -1 {
			errs = append(errs, fmt.Sprintf("connectTimeout: %q must be an integer of at least -1", v))
		}
		c.ConnectTimeout = n
	}
	c.MaxConns = defaultMaxConnections
	if v, ok := get("maxConnections"); ok {
		n, err := parseInt("maxConnections", v)
		if err != nil || n < -1 {
			errs = append(errs, fmt.Sprintf("maxConnections: %q must be an integer of at least -1", v))
		}
		c.MaxConns = n
	}
	ev := defaultExpectedVersion
	if v, ok := get("expectedVersion"); ok && v != "" {
		ev = v
	}
	ver, err := semver.ParseTolerant(ev)
	if err != nil {
		errs = append(errs, fmt.Sprintf("expectedVersion: %q is not a version", ev))
	}
	c.ExpectedVersion = ver
	def, _ := semver.Parse(defaultExpectedVersion)
	c.expectedIsDefault = ver.Equals(def)
	if v, ok := get("scheme"); ok && v != "" && v != "postgres" {
		errs = append(errs, fmt.Sprintf("scheme: %q is not implemented by this provider (only \"postgres\")", v))
	}
	for _, k := range []string{"awsRdsIamAuth", "azureIdentityAuth"} {
		if v, ok := get(k); ok && v == "true" {
			errs = append(errs, k+" is not implemented by this provider")
		}
	}
	if v, ok := get("gcpIamImpersonateServiceAccount"); ok && v != "" {
		errs = append(errs, "gcpIamImpersonateServiceAccount is not implemented by this provider")
	}
	if cc, ok := m["clientcert"]; ok {
		cc = unsecret(cc)
		if cc.IsString() && cc.StringValue() != "" && cc.StringValue() != "null" {
			// JSON-encoded by the SDK: {"cert":..., "key":..., "sslinline":...}
			parseClientCertJSON(c, cc.StringValue(), &errs)
		} else if cc.IsObject() {
			o := plainMap(cc.ObjectValue())
			if v, ok := o["cert"]; ok && v.IsString() {
				c.ClientCert = v.StringValue()
			}
			if v, ok := o["key"]; ok && v.IsString() {
				c.ClientKey = v.StringValue()
			}
			if v, ok := o["sslinline"]; ok && v.IsBool() {
				c.ClientInline = v.BoolValue()
			}
		}
	}
	return c, errs
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// dsn is a key=value connection string (values quoted, so no value can inject a key).
func (c *Config) dsn(database string) string {
	q := func(s string) string {
		return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `\'`) + "'"
	}
	parts := []string{}
	add := func(k, v string) { parts = append(parts, k+"="+q(v)) }
	if c.Host != "" {
		add("host", c.Host)
	}
	add("port", strconv.Itoa(c.Port))
	add("user", c.Username)
	if c.Password != "" {
		add("password", c.Password)
	}
	add("dbname", database)
	if c.SSLMode != "" {
		add("sslmode", c.SSLMode)
	}
	if c.ConnectTimeout > 0 {
		add("connect_timeout", strconv.Itoa(c.ConnectTimeout))
	}
	add("fallback_application_name", applicationName)
	if c.SSLRootCert != "" {
		add("sslrootcert", c.SSLRootCert)
	}
	if c.ClientCert != "" {
		add("sslcert", c.ClientCert)
		add("sslkey", c.ClientKey)
		if c.ClientInline {
			add("sslinline", "true")
		}
	}
	return strings.Join(parts, " ")
}

// dbUser is the role name of the connection inside the server (databaseUsername, for
// user name maps, or else username).
func (c *Config) dbUser() string {
	if c.DatabaseUsername != "" {
		return c.DatabaseUsername
	}
	return c.Username
}

// conn is an open connection pool to one database, with the server version.
type conn struct {
	*sql.DB
	version semver.Version
	cfg     *Config
}

func (c *conn) supports(rng string) bool {
	return semver.MustParseRange(rng)(c.version)
}

// client opens connections lazily, one pool per database, on first use.
type client struct {
	mu    sync.Mutex
	cfg   *Config
	pools map[string]*conn
}

func newClient(cfg *Config) *client { return &client{cfg: cfg, pools: map[string]*conn{}} }

var errNotConfigured = errors.New("the postgresql provider is not configured")

// scrub removes the provider password from a message.
func (cl *client) scrub(msg string, extra ...string) string {
	secrets := append([]string{}, extra...)
	if cl != nil && cl.cfg != nil && cl.cfg.Password != "" {
		secrets = append(secrets, cl.cfg.Password)
	}
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "XXXX")
		}
	}
	return msg
}

func (cl *client) connect(ctx context.Context, database string) (*conn, error) {
	if cl == nil || cl.cfg == nil {
		return nil, errNotConfigured
	}
	if len(cl.cfg.Unknown) > 0 {
		return nil, fmt.Errorf("the postgresql provider configuration is not known yet (%s)", strings.Join(cl.cfg.Unknown, ", "))
	}
	if database == "" {
		database = cl.cfg.Database
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if c, ok := cl.pools[database]; ok {
		return c, nil
	}
	connector, err := pq.NewConnector(cl.cfg.dsn(database))
	if err != nil {
		return nil, fmt.Errorf("error connecting to PostgreSQL server %s: %s", cl.cfg.Host, cl.scrub(err.Error()))
	}
	db := sql.OpenDB(connector)
	pctx := ctx
	if cl.cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, time.Duration(cl.cfg.ConnectTimeout)*time.Second)
		defer cancel()
	}
	if err := db.PingContext(pctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("error connecting to PostgreSQL server %s: %s", cl.cfg.Host, cl.scrub(err.Error()))
	}
	// Keep no idle connection: a database managed here may have to be dropped.
	db.SetMaxIdleConns(0)
	if cl.cfg.MaxConns > 0 {
		db.SetMaxOpenConns(cl.cfg.MaxConns)
	}
	version := cl.cfg.ExpectedVersion
	if cl.cfg.expectedIsDefault {
		v, err := fingerprint(ctx, db)
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("error detecting capabilities: %w", err)
		}
		version = v
	}
	c := &conn{DB: db, version: version, cfg: cl.cfg}
	cl.pools[database] = c
	return c, nil
}

func (cl *client) close() {
	if cl == nil {
		return
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for k, c := range cl.pools {
		_ = c.Close()
		delete(cl.pools, k)
	}
}

// fingerprint reads the server version from SELECT VERSION().
func fingerprint(ctx context.Context, db *sql.DB) (semver.Version, error) {
	var s string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&s); err != nil {
		return semver.Version{}, fmt.Errorf("error reading the PostgreSQL version: %w", err)
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
	if len(fields) < 2 {
		return semver.Version{}, fmt.Errorf("error determining the server version: %q", s)
	}
	v, err := semver.ParseTolerant(fields[1])
	if err != nil {
		return semver.Version{}, fmt.Errorf("error parsing version %q: %w", fields[1], err)
	}
	return v, nil
}

func parseClientCertJSON(c *Config, s string, errs *[]string) {
	var cc struct {
		Cert      string `json:"cert"`
		Key       string `json:"key"`
		SSLInline bool   `json:"sslinline"`
	}
	if err := json.Unmarshal([]byte(s), &cc); err != nil {
		*errs = append(*errs, "clientcert: not an object with cert and key")
		return
	}
	c.ClientCert, c.ClientKey, c.ClientInline = cc.Cert, cc.Key, cc.SSLInline
}

// forget closes the pool to one database (one a resource may drop or rename later).
func (cl *client) forget(database string) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if c, ok := cl.pools[database]; ok && database != cl.cfg.Database {
		_ = c.Close()
		delete(cl.pools, database)
	}
}
