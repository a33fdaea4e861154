package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const tokDatabase = "postgresql:index/database:Database"

var databaseSpec = &resourceSpec{token: tokDatabase, props: []propSpec{
	{name: "name", kind: kString},
	{name: "owner", kind: kString, computed: true},
	{name: "template", kind: kString, computed: true, forceNew: true},
	{name: "encoding", kind: kString, computed: true, forceNew: true},
	{name: "lcCollate", kind: kString, computed: true, forceNew: true},
	{name: "lcCtype", kind: kString, computed: true, forceNew: true},
	{name: "tablespaceName", kind: kString, computed: true},
	{name: "connectionLimit", kind: kInt, def: -1},
	{name: "allowConnections", kind: kBool, def: true},
	{name: "isTemplate", kind: kBool, computed: true},
	{name: "alterObjectOwnership", kind: kBool, def: false},
}}

// lockCurrentUser takes the advisory lock upstream takes around ownership changes; the
// returned function releases it.
func lockCurrentUser(ctx context.Context, db *conn) (func(), error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("could not start transaction: %w", err)
	}
	if err := lockRole(ctx, tx, db.cfg.dbUser()); err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return func() { _ = tx.Rollback() }, nil
}

// asOwner makes the current user a member of owner for the duration of fn when it is not a
// superuser (needed to create, give away or drop a database of another role), as upstream.
func asOwner(ctx context.Context, db *conn, owner string, fn func() error) (err error) {
	if owner == "" {
		return fn()
	}
	unlock, err := lockCurrentUser(ctx, db)
	if err != nil {
		return err
	}
	defer unlock()
	cur := db.cfg.dbUser()
	super, err := isSuperuser(ctx, db, cur)
	if err != nil {
		return err
	}
	if !super {
		granted, err := grantMembership(ctx, db, owner, cur)
		if err != nil {
			return err
		}
		if granted {
			defer func() {
				if _, rerr := revokeMembership(ctx, db, owner, cur); rerr != nil && err == nil {
					err = rerr
				}
			}()
		}
	}
	return fn()
}

func validateDatabase(in resource.PropertyMap) error {
	if v := plain(in["connectionLimit"]); v.IsNumber() && v.NumberValue() < -1 {
		return errors.New("connectionLimit must be at least -1")
	}
	return nil
}

func createDatabase(ctx context.Context, db *conn, in resource.PropertyMap) error {
	if err := validateDatabase(in); err != nil {
		return err
	}
	name := getString(in, "name")
	owner := getString(in, "owner")
	return asOwner(ctx, db, owner, func() error {
		var b strings.Builder
		b.WriteString("CREATE DATABASE " + quoteIdent(name))
		if owner != "" {
			b.WriteString(" OWNER " + quoteIdent(owner))
		} else {
			b.WriteString(" OWNER " + quoteIdent(db.cfg.dbUser()))
		}
		switch t := getString(in, "template"); {
		case strings.ToUpper(t) == "DEFAULT":
			b.WriteString(" TEMPLATE DEFAULT")
		case t != "":
			b.WriteString(" TEMPLATE " + quoteIdent(t))
		default:
			b.WriteString(" TEMPLATE template0")
		}
		switch e := getString(in, "encoding"); {
		case strings.ToUpper(e) == "DEFAULT":
			b.WriteString(" ENCODING DEFAULT")
		case e != "":
			b.WriteString(" ENCODING " + quoteLiteral(e))
		default:
			b.WriteString(" ENCODING 'UTF8'")
		}
		for _, l := range []struct{ key, sql string }{{"lcCollate", "LC_COLLATE"}, {"lcCtype", "LC_CTYPE"}} {
			switch v := getString(in, l.key); {
			case strings.ToUpper(v) == "DEFAULT":
				b.WriteString(" " + l.sql + " DEFAULT")
			case v != "":
				b.WriteString(" " + l.sql + " " + quoteLiteral(v))
			}
		}
		switch ts := getString(in, "tablespaceName"); {
		case strings.ToUpper(ts) == "DEFAULT":
			b.WriteString(" TABLESPACE DEFAULT")
		case ts != "":
			b.WriteString(" TABLESPACE " + quoteIdent(ts))
		}
		if db.supports(">=9.5.0") {
			fmt.Fprintf(&b, " ALLOW_CONNECTIONS %t", getBool(in, "allowConnections"))
		}
		fmt.Fprintf(&b, " CONNECTION LIMIT %d", getInt(in, "connectionLimit"))
		if db.supports(">=9.5.0") {
			fmt.Fprintf(&b, " IS_TEMPLATE %t", getBool(in, "isTemplate"))
		}
		if _, err := db.ExecContext(ctx, b.String()); err != nil {
			return fmt.Errorf("error creating database %q: %w", name, err)
		}
		return nil
	})
}

// readDatabase reads a database back from pg_database; nil when it does not exist. The
// template cannot be read back: it is kept from prior (default template0), as upstream.
func readDatabase(ctx context.Context, db *conn, id string, prior resource.PropertyMap) (resource.PropertyMap, error) {
	var (
		name, owner, encoding, collate, ctype, tablespace string
		connLimit                                         int
		allowConn, isTemplate                             bool
	)
	err := db.QueryRowContext(ctx, `SELECT d.datname, pg_catalog.pg_get_userbyid(d.datdba),
		pg_catalog.pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, ts.spcname, d.datconnlimit,
		d.datallowconn, d.datistemplate
		FROM pg_catalog.pg_database AS d JOIN pg_catalog.pg_tablespace AS ts ON d.dattablespace = ts.oid
		WHERE d.datname = $1`, id).Scan(&name, &owner, &encoding, &collate, &ctype, &tablespace, &connLimit, &allowConn, &isTemplate)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("error reading database: %w", err)
	}
	template := getString(prior, "template")
	if template == "" {
		template = "template0"
	}
	return resource.PropertyMap{
		"name":                 resource.NewStringProperty(name),
		"owner":                resource.NewStringProperty(owner),
		"encoding":             resource.NewStringProperty(encoding),
		"lcCollate":            resource.NewStringProperty(collate),
		"lcCtype":              resource.NewStringProperty(ctype),
		"tablespaceName":       resource.NewStringProperty(tablespace),
		"connectionLimit":      resource.NewNumberProperty(float64(connLimit)),
		"allowConnections":     resource.NewBoolProperty(allowConn),
		"isTemplate":           resource.NewBoolProperty(isTemplate),
		"template":             resource.NewStringProperty(template),
		"alterObjectOwnership": resource.NewBoolProperty(getBool(prior, "alterObjectOwnership")),
	}, nil
}

func updateDatabase(ctx context.Context, cl *client, db *conn, olds, news resource.PropertyMap) error {
	if err := validateDatabase(news); err != nil {
		return err
	}
	ch := func(k string) bool { return changed(olds, news, databaseSpec, k) }
	exec := func(what, q string) error {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("error updating database %s: %w", what, err)
		}
		return nil
	}
	oldName, name := getString(olds, "name"), getString(news, "name")
	if oldName != name {
		if name == "" {
			return errors.New("error setting database name to an empty string")
		}
		if err := exec("name", fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", quoteIdent(oldName), quoteIdent(name))); err != nil {
			return err
		}
	}
	owner := getString(news, "owner")
	if owner != "" && (ch("owner") || ch("alterObjectOwnership")) && getBool(news, "alterObjectOwnership") {
		if err := reassignObjects(ctx, cl, db, name, owner); err != nil {
			return err
		}
	}
	if ch("owner") && owner != "" {
		err := asOwner(ctx, db, owner, func() error {
			return exec("OWNER", fmt.Sprintf("ALTER DATABASE %s OWNER TO %s", quoteIdent(name), quoteIdent(owner)))
		})
		if err != nil {
			return err
		}
	}
	if ch("tablespaceName") {
		ts := getString(news, "tablespaceName")
		q := fmt.Sprintf("ALTER DATABASE %s SET TABLESPACE %s", quoteIdent(name), quoteIdent(ts))
		if ts == "" || strings.ToUpper(ts) == "DEFAULT" {
			q = fmt.Sprintf("ALTER DATABASE %s RESET TABLESPACE", quoteIdent(name))
		}
		if err := exec("TABLESPACE", q); err != nil {
			return err
		}
	}
	if ch("connectionLimit") {
		if err := exec("CONNECTION LIMIT", fmt.Sprintf("ALTER DATABASE %s CONNECTION LIMIT = %d", quoteIdent(name), getInt(news, "connectionLimit"))); err != nil {
			return err
		}
	}
	if ch("allowConnections") {
		if !db.supports(">=9.5.0") {
			return fmt.Errorf("PostgreSQL server %s does not support database ALLOW_CONNECTIONS", db.version)
		}
		if err := exec("ALLOW_CONNECTIONS", fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS %t", quoteIdent(name), getBool(news, "allowConnections"))); err != nil {
			return err
		}
	}
	if ch("isTemplate") {
		if !db.supports(">=9.5.0") {
			return fmt.Errorf("PostgreSQL server %s does not support database IS_TEMPLATE", db.version)
		}
		if err := exec("IS_TEMPLATE", fmt.Sprintf("ALTER DATABASE %s IS_TEMPLATE %t", quoteIdent(name), getBool(news, "isTemplate"))); err != nil {
			return err
		}
	}
	return nil
}

// reassignObjects gives the objects of the database's current owner, inside that database,
// to the new owner (alterObjectOwnership).
func reassignObjects(ctx context.Context, cl *client, db *conn, dbName, newOwner string) error {
	var cur string
	if err := db.QueryRowContext(ctx, "SELECT pg_catalog.pg_get_userbyid(d.datdba) FROM pg_catalog.pg_database AS d WHERE d.datname = $1", dbName).Scan(&cur); err != nil {
		return fmt.Errorf("error getting current database OWNER: %w", err)
	}
	if cur == newOwner {
		return nil
	}
	target, err := cl.connect(ctx, dbName)
	if err != nil {
		return err
	}
	defer cl.forget(dbName)
	return asOwner(ctx, db, cur, func() error {
		tx, err := target.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		if err := lockRole(ctx, tx, db.cfg.dbUser()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("REASSIGN OWNED BY %s TO %s", quoteIdent(cur), quoteIdent(newOwner))); err != nil {
			return fmt.Errorf("error reassigning objects owned by '%s': %w", cur, err)
		}
		return tx.Commit()
	})
}

// deleteDatabase: clear IS_TEMPLATE, block and end connections, DROP DATABASE (WITH (FORCE)
// on PostgreSQL 13 and later).
func deleteDatabase(ctx context.Context, db *conn, state resource.PropertyMap) error {
	name := getString(state, "name")
	if gone, err := absent(ctx, db, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", name); err != nil || gone {
		return err // already dropped elsewhere: nothing to delete
	}
	return asOwner(ctx, db, getString(state, "owner"), func() error {
		if db.supports(">=9.5.0") && getBool(state, "isTemplate") {
			if _, err := db.ExecContext(ctx, fmt.Sprintf("ALTER DATABASE %s IS_TEMPLATE false", quoteIdent(name))); err != nil {
				return fmt.Errorf("error updating database IS_TEMPLATE during DROP DATABASE: %w", err)
			}
		}
		if db.supports(">=9.5.0") {
			if _, err := db.ExecContext(ctx, fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS false", quoteIdent(name))); err != nil {
				return fmt.Errorf("error blocking connections to database: %w", err)
			}
		}
		pid := "procpid"
		if db.supports(">=9.2.0") {
			pid = "pid"
		}
		if _, err := db.ExecContext(ctx, fmt.Sprintf(
			"SELECT pg_terminate_backend(%s) FROM pg_stat_activity WHERE datname = $1 AND %s <> pg_backend_pid()", pid, pid), name); err != nil {
			return fmt.Errorf("error terminating database connections: %w", err)
		}
		q := "DROP DATABASE " + quoteIdent(name)
		if db.supports(">=13.0.0") {
			q += " WITH (FORCE)"
		}
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("error dropping database: %w", err)
		}
		return nil
	})
}
