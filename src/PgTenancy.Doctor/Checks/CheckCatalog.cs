using PgTenancy.Catalog;

namespace PgTenancy.Doctor.Checks;

/// <summary>
/// The doctor's checks, in report order. Ids are stable: baselines, SARIF rules and docs/doctor.md anchors use them.
/// Each query was run on PostgreSQL 15 against a hardened and an insecure database (see the tests).
/// </summary>
internal static class CheckCatalog
{
    // Schemas that belong to PostgreSQL itself, never to the application.
    private const string UserSchemas = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'";

    // Tables (plain or partitioned) with a tenant column: one named as the tenant column (in any spelling), or the one
    // column a policy of PgTenancy's name (EnableTenantIsolation) depends on — so a model whose column is named
    // otherwise is still found by what PgTenancy installed on it.
    internal const string TenantTables = $"""
        pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute ta ON ta.attrelid = c.oid AND ta.attnum > 0 AND NOT ta.attisdropped
          AND ta.attnum = COALESCE(
                (SELECT min(a.attnum) FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND {NamedAsTenantColumnA}),
                (SELECT min(d.refobjsubid) FROM pg_catalog.pg_policy pol
                 JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_policy'::regclass AND d.objid = pol.oid
                  AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = c.oid AND d.refobjsubid > 0
                 WHERE pol.polrelid = c.oid AND pol.polname = '{TenancyDefaults.PolicyName}'))
        WHERE c.relkind IN ('r', 'p') AND {UserSchemas}
        """;

    // The attribute aliased "a" is named as the tenant column, in any of the spellings a model gives it: tenant_id,
    // TenantId, tenantId.
    private const string NamedAsTenantColumnA = "pg_catalog.lower(pg_catalog.replace(a.attname, '_', '')) = pg_catalog.lower(pg_catalog.replace(@tenant_column, '_', ''))";

    // Guards the privilege functions, which raise an error for a role that does not exist (ROLE-01 reports that).
    private const string AppRoleExists = "EXISTS (SELECT 1 FROM pg_catalog.pg_roles a WHERE a.rolname = @app_role)";

    // PgTenancy's token verifier, when installed in the binding's schema (NULL otherwise).
    private const string Verifier = "pg_catalog.to_regprocedure(@binding_schema || '.verified_tenant(text)')";

    // A function's settings pin search_path (so a schema the caller controls cannot stand in for pg_catalog).
    private const string PinnedSearchPath = "p.proconfig IS NOT NULL AND EXISTS (SELECT 1 FROM unnest(p.proconfig) s WHERE s LIKE 'search_path=%')";

    // Whether the server preloads pgaudit (it is a comma-separated list, possibly with spaces).
    private const string PgAuditLoaded = "current_setting('shared_preload_libraries') ~ '(^|,)\\s*pgaudit'";

    public static IReadOnlyList<SqlCheck> All { get; } =
    [
        new(new("ROLE-01", "The application role is a superuser, BYPASSRLS, or can create roles, databases or replicate", Severity.Critical,
                "Row-level security does not apply to superusers and BYPASSRLS roles; the other attributes let a leaked credential grow its own access.",
                "ALTER ROLE <app> NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION."),
            $"""
            SELECT 'role ' || r.rolname, concat_ws(', ', CASE WHEN r.rolsuper THEN 'SUPERUSER' END, CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END,
                     CASE WHEN r.rolcreaterole THEN 'CREATEROLE' END, CASE WHEN r.rolcreatedb THEN 'CREATEDB' END, CASE WHEN r.rolreplication THEN 'REPLICATION' END)
            FROM pg_catalog.pg_roles r
            WHERE r.rolname = @app_role AND ({CatalogRules.EscapesRowSecurity} OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication)
            UNION ALL
            SELECT 'role ' || @app_role, 'does not exist: the doctor cannot check the application role'
            WHERE NOT {AppRoleExists}
            """),
        new(new("ROLE-02", "The application role is a member of a superuser or BYPASSRLS role", Severity.Critical,
                "Through membership (SET ROLE) the application can act as a role that row-level security does not apply to.",
                "REVOKE <role> FROM <app>; give the application role only the privileges it needs."),
            $"""
            SELECT 'role ' || @app_role, 'is a member of ' || r.rolname || CASE WHEN r.rolsuper THEN ' (superuser)' ELSE ' (BYPASSRLS)' END
            FROM pg_catalog.pg_roles r
            WHERE {CatalogRules.EscapesRowSecurity} AND r.rolname <> @app_role
              AND {AppRoleExists} AND {CatalogRules.CanActAs("@app_role", "r.oid")}
            """),
        new(new("ROLE-03", "The application role owns (or is a member of the owner of) a table or view", Severity.Critical,
                "A table's owner bypasses its row-level security unless it is forced, and can disable or drop the policies.",
                "ALTER TABLE … OWNER TO <migrator>; the application must connect as a role that owns nothing."),
            $"""
            SELECT c.oid::regclass::text, 'is owned by ' || pg_catalog.pg_get_userbyid(c.relowner) || ', which the application role is or belongs to'
            FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {UserSchemas}
              AND {AppRoleExists} AND {CatalogRules.CanActAs("@app_role", "c.relowner")}
            """),
        new(new("ROLE-04", "A role can create objects in a schema it should only use", Severity.High,
                "CREATE on a schema lets the application (or anyone, for PUBLIC) plant tables, functions or operators that shadow the real ones.",
                "REVOKE CREATE ON SCHEMA <schema> FROM <app>, PUBLIC (migrationBuilder.RevokeCreateFromPublic())."),
            $"""
            SELECT 'schema ' || n.nspname, 'PUBLIC has CREATE'
            FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
            WHERE {UserSchemas} AND a.grantee = 0 AND a.privilege_type = 'CREATE'
            UNION ALL
            SELECT 'schema ' || n.nspname, 'the application role has CREATE'
            FROM pg_catalog.pg_namespace n
            WHERE {UserSchemas} AND {AppRoleExists}
              AND pg_catalog.has_schema_privilege(@app_role, n.oid, 'CREATE')
            """),
        new(new("ROLE-05", "The application role is in a powerful predefined role", Severity.High,
                "pg_read_all_data, pg_read_server_files, pg_execute_server_program and the like read every row or the server's files, whatever the policies say.",
                "REVOKE <predefined role> FROM <app>."),
            $"""
            SELECT 'role ' || @app_role, 'is a member of ' || r.rolname
            FROM pg_catalog.pg_roles r
            WHERE r.rolname IN ('pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program', 'pg_read_all_data',
                                'pg_write_all_data', 'pg_read_all_stats', 'pg_monitor', 'pg_signal_backend')
              AND {AppRoleExists} AND pg_catalog.pg_has_role(@app_role, r.oid, 'MEMBER')
            """),
        new(new("ROLE-06", "The application role has TRUNCATE or REFERENCES on a tenant table", Severity.High,
                "TRUNCATE is not subject to row-level security: one tenant's session can empty every tenant's rows. REFERENCES lets a role probe other tenants' keys.",
                "REVOKE TRUNCATE, REFERENCES ON <table> FROM <app>; grant SELECT, INSERT, UPDATE, DELETE only (TenantRoles.GrantDml)."),
            $"""
            SELECT c.oid::regclass::text, 'the application role has ' || concat_ws(' and ',
                     {string.Join(", ", CatalogRules.PrivilegesBeyondRowSecurity.Select(p => $"CASE WHEN {CatalogRules.HasTablePrivilege("@app_role", "c.oid", p)} THEN '{p}' END"))})
            FROM {TenantTables}
              AND {AppRoleExists}
              AND {CatalogRules.HasPrivilegeBeyondRowSecurity("@app_role", "c.oid")}
            """),
        new(new("RLS-01", "A tenant table has no row-level security, or it is not forced, or it has no policy", Severity.Critical,
                "Without RLS every role with SELECT sees every tenant's rows; without FORCE the owner bypasses it; without a policy RLS denies everything or nothing useful.",
                "migrationBuilder.EnableTenantIsolation(\"<table>\", \"<tenant column>\") — ENABLE + FORCE + the tenant policy."),
            $"""
            SELECT c.oid::regclass::text, concat_ws('; ',
                     CASE WHEN NOT c.relrowsecurity THEN 'row-level security is off' END,
                     CASE WHEN c.relrowsecurity AND NOT c.relforcerowsecurity THEN 'row-level security is not forced: the owner bypasses it' END,
                     CASE WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid) THEN 'it has no policy' END)
            FROM {TenantTables}
              AND (NOT c.relrowsecurity OR NOT c.relforcerowsecurity OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid))
            """),
        new(new("RLS-02", "A policy lets rows be written without a WITH CHECK, or matches every row", Severity.Critical,
                "Without WITH CHECK on a write policy a tenant can insert or move rows into another tenant; USING (true) shows every row.",
                "Recreate the policy with USING and WITH CHECK comparing the tenant column with the bound setting (EnableTenantIsolation)."),
            $"""
            SELECT p.schemaname || '.' || p.tablename || ' policy ' || p.policyname,
                   CASE WHEN {CatalogRules.IsAlwaysTrueSql("p.qual")} OR {CatalogRules.IsAlwaysTrueSql("p.with_check")}
                        THEN 'its expression is true: it matches every row'
                        ELSE 'it applies to ' || p.cmd || ' without WITH CHECK' END
            FROM pg_catalog.pg_policies p
            WHERE p.schemaname NOT IN ('pg_catalog', 'information_schema')
              AND ({CatalogRules.IsAlwaysTrueSql("p.qual")} OR {CatalogRules.IsAlwaysTrueSql("p.with_check")}
                   OR (p.cmd IN ('ALL', 'UPDATE') AND p.with_check IS NULL AND p.permissive = 'PERMISSIVE' AND p.qual IS NULL))
            """),
        new(new("RLS-03", "A policy reads the tenant setting unsafely", Severity.High,
                "current_setting(name) without missing_ok raises where no tenant is bound; without NULLIF(…, '') a reset setting compares as '' — both are the wrong failure modes.",
                "Use (SELECT NULLIF(current_setting('app.tenant_id', true), '')::type), as EnableTenantIsolation writes it."),
            """
            SELECT p.schemaname || '.' || p.tablename || ' policy ' || p.policyname,
                   CASE WHEN (coalesce(p.qual, '') || coalesce(p.with_check, '')) ~ 'current_setting\(''[^'']+''::text\)'
                        THEN 'current_setting is called without missing_ok' ELSE 'the setting is not wrapped in NULLIF(…, '''')' END
            FROM pg_catalog.pg_policies p
            WHERE p.schemaname NOT IN ('pg_catalog', 'information_schema')
              AND (coalesce(p.qual, '') || coalesce(p.with_check, '')) ~ 'current_setting'
              AND ((coalesce(p.qual, '') || coalesce(p.with_check, '')) ~ 'current_setting\(''[^'']+''::text\)'
                   OR (coalesce(p.qual, '') || coalesce(p.with_check, '')) !~* 'nullif\(current_setting')
            """),
        new(new("RLS-04", "A policy of a tenant table does not apply to the application role, or applies to PUBLIC", Severity.High,
                "A policy for other roles leaves the application role with no permissive policy (it sees nothing) or, worse, with another, broader one. A policy to PUBLIC (medium) binds the application role as it should, but also every other role — the owner's data migrations see no row unless they bind a tenant — which should get its own, narrower policy or none.",
                "Name the application role in the policy: CREATE POLICY … TO <app> (EnableTenantIsolation with appRoles, or UseTenancy(t => t.PolicyRoles(\"<app>\")) for EF migrations)."),
            $"""
            SELECT p.polrelid::regclass::text || ' policy ' || p.polname, 'applies to ' || array_to_string(p.polroles::regrole[], ', ') || ', not to the application role', NULL::text
            FROM pg_catalog.pg_policy p
            WHERE {AppRoleExists} AND NOT {CatalogRules.PolicyAppliesTo("@app_role", "p.polroles")}
            UNION ALL
            -- Not a leak (it restricts more roles, not fewer), so milder than the rows above.
            SELECT p.polrelid::regclass::text || ' policy ' || p.polname, 'applies to PUBLIC, every role, not only the application role', 'medium'
            FROM pg_catalog.pg_policy p
            WHERE p.polroles @> ARRAY[0::oid]
            """),
        new(new("RLS-05", "A view or materialized view over a table with row-level security runs as its owner", Severity.High,
                "A view without security_invoker reads its tables with its owner's rights, so the owner's RLS bypass leaks every tenant's rows through it.",
                "ALTER VIEW <view> SET (security_invoker = true); replace materialized views over tenant tables."),
            $"""
            SELECT DISTINCT v.oid::regclass::text, 'reads ' || t.oid::regclass::text || ' as its owner (' || CASE WHEN v.relkind = 'm' THEN 'materialized view' ELSE 'no security_invoker' END || ')'
            FROM pg_catalog.pg_class v
            JOIN pg_catalog.pg_rewrite rw ON rw.ev_class = v.oid
            JOIN pg_catalog.pg_depend d ON d.objid = rw.oid AND d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
            JOIN pg_catalog.pg_class t ON t.oid = d.refobjid AND t.relrowsecurity AND t.oid <> v.oid
            WHERE v.relkind IN ('v', 'm')
              AND (v.relkind = 'm' OR NOT coalesce(v.reloptions::text[] && ARRAY['security_invoker=true', 'security_invoker=on', 'security_invoker=1', 'security_invoker=yes'], false))
              AND {AppRoleExists} AND pg_catalog.has_table_privilege(@app_role, v.oid, 'SELECT')
            """),
        new(new("RLS-06", "The application role can execute a SECURITY DEFINER function", Severity.Medium,
                "A SECURITY DEFINER function runs with its owner's rights; owned by a superuser or the tables' owner it bypasses row-level security, and without a pinned search_path it can be hijacked.",
                "Make it SECURITY INVOKER, or pin search_path (SET search_path = pg_catalog) and REVOKE EXECUTE FROM PUBLIC, <app>."),
            $"""
            SELECT p.oid::regprocedure::text, 'runs as ' || o.rolname
                     || CASE WHEN o.rolsuper THEN ' (superuser)' WHEN o.rolbypassrls THEN ' (BYPASSRLS)' ELSE '' END
                     || CASE WHEN p.proconfig IS NULL OR NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) s WHERE s LIKE 'search_path=%') THEN ', without a pinned search_path' ELSE '' END
            FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_roles o ON o.oid = p.proowner JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
            WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
              AND {AppRoleExists} AND pg_catalog.has_function_privilege(@app_role, p.oid, 'EXECUTE')
              -- PgTenancy's token verifier is SECURITY DEFINER by design, to read the keys; SIG-02 checks how it is made.
              AND NOT (p.oid IS NOT DISTINCT FROM {Verifier} AND {PinnedSearchPath})
            """),
        new(new("RLS-07", "A tenant column is nullable or does not lead any index", Severity.Medium,
                "A NULL tenant matches no policy and orphans the row; without an index led by the tenant column every tenant's query scans all tenants' rows.",
                "ALTER TABLE … ALTER COLUMN <tenant> SET NOT NULL; make the primary key or an index start with the tenant column."),
            $"""
            SELECT c.oid::regclass::text, concat_ws('; ', CASE WHEN NOT ta.attnotnull THEN 'the tenant column is nullable' END,
                     CASE WHEN NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indkey[0] = ta.attnum) THEN 'no index starts with the tenant column' END)
            FROM {TenantTables}
              AND (NOT ta.attnotnull OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indkey[0] = ta.attnum))
            """),
        new(new("RLS-08", "A unique key, unique index or foreign key of a tenant table leaves out the tenant column", Severity.High,
                "Uniqueness and foreign-key checks bypass row-level security: a unique violation tells one tenant another has a value, a foreign key can point at another tenant's row.",
                "Make the key composite, starting with the tenant column (and reference such a key from foreign keys)."),
            // Every tenant table, with row-level security or not: the keys leak either way (RLS-01 reports the missing RLS).
            $"""
            SELECT con.conrelid::regclass::text || ' ' || con.conname,
                   CASE con.contype WHEN 'f' THEN 'foreign key to ' || con.confrelid::regclass::text ELSE 'unique key' END || ' without the tenant column'
            FROM pg_catalog.pg_constraint con, {TenantTables}
              AND con.conrelid = c.oid AND NOT (ta.attnum = ANY (con.conkey))
              AND (con.contype IN ('u', 'p')
                   OR (con.contype = 'f' AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                                    WHERE a.attrelid = con.confrelid AND NOT a.attisdropped AND {NamedAsTenantColumnA})))
            UNION ALL
            SELECT c.oid::regclass::text || ' ' || ic.relname, 'unique index without the tenant column'
            FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid, {TenantTables}
              AND i.indrelid = c.oid AND i.indisunique AND NOT (ta.attnum = ANY (i.indkey))
              AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid AND con.conrelid = c.oid)
            """),
        new(new("RLS-09", "The tenant setting, row_security or pgaudit is pinned for a role or database", Severity.High,
                "A tenant id set with ALTER ROLE/DATABASE … SET becomes every session's default tenant; row_security = off or a changed pgaudit.log weakens enforcement or audit silently.",
                "ALTER ROLE … RESET <setting>; ALTER DATABASE … RESET <setting>."),
            """
            SELECT 'role ' || coalesce(pg_catalog.pg_get_userbyid(NULLIF(s.setrole, 0)), '*') || ' in database ' || coalesce(d.datname, '*'), 'sets ' || cfg
            FROM pg_catalog.pg_db_role_setting s LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase, unnest(s.setconfig) cfg
            WHERE (s.setdatabase = 0 OR d.datname = current_database())
              AND (cfg ~ '^(pgaudit\.|row_security=|session_replication_role=)' OR split_part(cfg, '=', 1) = @tenant_setting)
            """),
        new(new("RLS-10", "A tenant column compares loosely: its collation is nondeterministic", Severity.High,
                "Under a nondeterministic (case- or accent-insensitive) collation, tenant ids that differ — 'acme' and 'ACME', or the composed and decomposed forms of 'café' — compare equal, so the policy's = lets one tenant see the other's rows.",
                "ALTER TABLE <table> ALTER COLUMN <tenant> TYPE text COLLATE \"C\" (or another deterministic collation), and normalize tenant ids where they are issued."),
            $"""
            SELECT c.oid::regclass::text || '.' || pg_catalog.quote_ident(ta.attname), 'uses the nondeterministic collation ' || co.collname
            FROM pg_catalog.pg_collation co, {TenantTables}
              AND co.oid = ta.attcollation AND NOT co.collisdeterministic
            """),
        new(new("SIG-01", "The tenant is bound unsigned, or a tenant policy does not verify the signed tenant", Severity.High,
                "Unsigned, the policies trust a setting that any statement of the application role may set: an injection (even in one statement) or a session with the role's password binds any tenant. With verification installed, a policy that still reads the raw setting is such a way in.",
                "Install verification (migrationBuilder.InstallTenantVerification()), sign with UseTenancy(o => o.SigningKey(…)) or TenancyOptions.SigningKey, and make every tenant policy verified (docs/security.md)."),
            $"""
            SELECT 'function ' || @binding_schema || '.verified_tenant',
                   'is not installed: the tenant is bound unsigned, so an injection or a session with the application role''s password can bind any tenant',
                   'medium'
            WHERE {Verifier} IS NULL
            UNION ALL
            SELECT p.polrelid::regclass::text || ' policy ' || p.polname, 'compares with the raw tenant setting, not the verified tenant: it trusts whatever the session sets', NULL
            FROM pg_catalog.pg_policy p
            WHERE {Verifier} IS NOT NULL
              AND pg_catalog.strpos(coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '') || coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), ''),
                                    'current_setting(' || pg_catalog.quote_literal(@tenant_setting)) > 0
            """),
        new(new("SIG-02", "The tenant token verifier or its signing keys are exposed", Severity.Critical,
                "Whoever reads the keys signs any tenant; a verifier that is not SECURITY DEFINER with a pinned search_path cannot read them safely, and one the application role can act as the owner of can be replaced.",
                "Leave pgtenancy.tenant_keys to its owner alone (REVOKE ALL … FROM <role>), keep the verifier as InstallTenantVerification makes it, and never let a login role other than the owner read the keys."),
            $"""
            SELECT p.oid::regprocedure::text, concat_ws('; ',
                     CASE WHEN NOT p.prosecdef THEN 'is not SECURITY DEFINER' END,
                     CASE WHEN NOT ({PinnedSearchPath}) THEN 'has no pinned search_path' END,
                     CASE WHEN {AppRoleExists} AND {CatalogRules.CanActAs("@app_role", "p.proowner")} THEN 'is owned by a role the application role can act as' END)
            FROM pg_catalog.pg_proc p
            WHERE p.oid = {Verifier}
              AND (NOT p.prosecdef OR NOT ({PinnedSearchPath}) OR ({AppRoleExists} AND {CatalogRules.CanActAs("@app_role", "p.proowner")}))
            UNION ALL
            SELECT k.oid::regclass::text, 'can be read or changed by ' || r.rolname || ', a login role other than its owner'
            FROM pg_catalog.pg_class k, pg_catalog.pg_roles r
            WHERE k.oid = pg_catalog.to_regclass(@binding_schema || '.tenant_keys') AND r.oid <> k.relowner AND r.rolcanlogin AND NOT r.rolsuper
              AND (pg_catalog.has_table_privilege(r.oid, k.oid, 'SELECT') OR pg_catalog.has_table_privilege(r.oid, k.oid, 'INSERT')
                   OR pg_catalog.has_table_privilege(r.oid, k.oid, 'UPDATE'))
            """),
        new(new("SES-01", "The application role can create temporary objects or read other sessions' query text", Severity.Medium,
                "A temporary table or view can shadow a tenant table for the next client of a pooled server connection; pg_stat_activity shows the literal query text — search terms included — of every session of the same role, that is of every tenant's requests.",
                "REVOKE TEMPORARY ON DATABASE <db> FROM PUBLIC (TenantRoles.RevokeTemporaryFromPublic), and give session statistics to monitoring roles only (TenantRoles.HideOtherSessionsQueries; pgtenancy harden does both)."),
            $"""
            SELECT 'database ' || pg_catalog.current_database(), 'the application role may create temporary objects (TEMPORARY)'
            WHERE {AppRoleExists} AND pg_catalog.has_database_privilege(@app_role, pg_catalog.current_database(), 'TEMPORARY')
            UNION ALL
            SELECT 'view pg_catalog.pg_stat_activity', 'the application role reads other sessions'' query text'
            WHERE {AppRoleExists} AND pg_catalog.has_function_privilege(@app_role, 'pg_catalog.pg_stat_get_activity(integer)', 'EXECUTE')
              AND NOT pg_catalog.pg_has_role(@app_role, 'pg_read_all_stats', 'USAGE')
            """),
        new(new("TLS-01", "The server accepts connections without TLS 1.3", Severity.High,
                "Without TLS credentials and every tenant's rows cross the network in clear; below TLS 1.2 the protocol itself is broken (high); TLS 1.2 is sound but allows weaker suites than 1.3 (medium).",
                "ssl = on, ssl_min_protocol_version = 'TLSv1.3', and hostssl rules in pg_hba.conf."),
            """
            SELECT 'setting ssl', 'is off', NULL WHERE current_setting('ssl') <> 'on'
            UNION ALL
            SELECT 'setting ssl_min_protocol_version', 'is ' || current_setting('ssl_min_protocol_version') || ', below TLSv1.3',
                   CASE current_setting('ssl_min_protocol_version') WHEN 'TLSv1.2' THEN 'medium' END
            WHERE current_setting('ssl') = 'on' AND current_setting('ssl_min_protocol_version') NOT IN ('TLSv1.3')
            """),
        new(new("TLS-02", "A client is connected over TCP without TLS right now", Severity.High,
                "Whatever the configuration says, this session's credentials and rows cross the network in clear.",
                "Refuse non-TLS TCP in pg_hba.conf (hostssl rules, host … reject) and make clients use SSL Mode=VerifyFull."),
            """
            SELECT 'session ' || a.pid, 'of ' || coalesce(a.usename, '?') || ' from ' || host(a.client_addr) || ' is not encrypted'
            FROM pg_catalog.pg_stat_activity a JOIN pg_catalog.pg_stat_ssl s ON s.pid = a.pid
            WHERE a.backend_type = 'client backend' AND a.client_addr IS NOT NULL AND NOT s.ssl
            """,
            Requirement.ReadAllStats),
        new(new("PWD-01", "Passwords are not stored as SCRAM-SHA-256", Severity.High,
                "MD5 secrets can be replayed (the hash is the password) and are cheap to crack.",
                "password_encryption = 'scram-sha-256', then reset each password so it is stored as SCRAM."),
            """
            SELECT 'setting password_encryption', 'is ' || current_setting('password_encryption') WHERE current_setting('password_encryption') <> 'scram-sha-256'
            UNION ALL
            SELECT 'role ' || rolname, 'has a non-SCRAM password' FROM pg_catalog.pg_authid WHERE rolpassword IS NOT NULL AND rolpassword NOT LIKE 'SCRAM-SHA-256$%'
            """,
            Requirement.Superuser),
        new(new("HBA-01", "pg_hba.conf allows weak authentication, non-TLS connections or any address, or has no final reject", Severity.High,
                "trust, password, md5 and ident let in or expose credentials; host rules allow plain-text connections; an any-address rule opens the server to the whole network; without a final reject, what is not listed falls to defaults.",
                "Use hostssl … scram-sha-256 from the application's own networks (cert for administrators) and end with host all all all reject."),
            """
            SELECT 'pg_hba.conf line ' || line_number, 'uses ' || auth_method FROM pg_catalog.pg_hba_file_rules
            WHERE error IS NULL AND auth_method IN ('trust', 'password', 'md5', 'ident')
            UNION ALL
            SELECT 'pg_hba.conf line ' || line_number, type || ' rule without TLS' FROM pg_catalog.pg_hba_file_rules
            WHERE error IS NULL AND type IN ('host', 'hostnossl') AND auth_method <> 'reject'
            UNION ALL
            SELECT 'pg_hba.conf line ' || line_number, 'accepts connections from any address (' || coalesce(address || coalesce('/' || netmask, ''), '?') || ')'
            FROM pg_catalog.pg_hba_file_rules
            WHERE error IS NULL AND type <> 'local' AND auth_method <> 'reject' AND (address = 'all' OR netmask IN ('0.0.0.0', '::'))
            UNION ALL
            SELECT 'pg_hba.conf line ' || line_number, 'has an error: ' || error FROM pg_catalog.pg_hba_file_rules WHERE error IS NOT NULL
            UNION ALL
            SELECT 'pg_hba.conf', 'does not end with an explicit reject rule'
            WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_hba_file_rules r WHERE r.line_number = (SELECT max(line_number) FROM pg_catalog.pg_hba_file_rules)
                              AND r.auth_method = 'reject' AND r.address IN ('all', '0.0.0.0'))
            """,
            Requirement.Superuser),
        new(new("HBA-02", "A superuser can log in over the network without a client certificate", Severity.High,
                "A stolen or guessed password is then enough to become superuser, bypassing every policy.",
                "Give superusers and administrators hostssl … cert rules only (or local peer), never password methods over TCP."),
            """
            SELECT 'pg_hba.conf line ' || h.line_number, 'lets ' || array_to_string(h.user_name, ', ') || ' in by ' || h.auth_method || ' from ' || coalesce(h.address, 'anywhere')
            FROM pg_catalog.pg_hba_file_rules h
            WHERE h.error IS NULL AND h.type <> 'local' AND h.auth_method NOT IN ('cert', 'reject')
              AND (h.user_name && ARRAY['all'] OR h.user_name && (SELECT array_agg(rolname::text) FROM pg_catalog.pg_roles WHERE rolsuper))
              AND (h.address IS NULL OR h.address NOT IN ('127.0.0.1', '::1', 'localhost'))
            """,
            Requirement.Superuser),
        new(new("AUD-01", "pgaudit is not loaded or does not log DDL, writes and role changes", Severity.Medium,
                "Without an audit log a cross-tenant read or a privilege change leaves no trace to investigate.",
                "shared_preload_libraries = 'pgaudit', pgaudit.log = 'ddl,write,role', CREATE EXTENSION pgaudit."),
            $"""
            SELECT 'setting shared_preload_libraries', 'does not load pgaudit' WHERE NOT {PgAuditLoaded}
            UNION ALL
            SELECT 'setting pgaudit.log', 'is ' || coalesce(current_setting('pgaudit.log', true), 'unset') || ', not covering ddl, write and role'
            WHERE {PgAuditLoaded}
              AND NOT (coalesce(current_setting('pgaudit.log', true), '') ~* 'all' OR (coalesce(current_setting('pgaudit.log', true), '') ~* 'ddl'
                   AND coalesce(current_setting('pgaudit.log', true), '') ~* 'write' AND coalesce(current_setting('pgaudit.log', true), '') ~* 'role'))
            """,
            Requirement.ReadAllSettings),
        new(new("AUD-02", "pgaudit does not audit the tenant tables as objects", Severity.Medium,
                "Session audit logs statement classes; only object audit (pgaudit.role) records every read and write of a tenant table, which is what a cross-tenant investigation needs.",
                "CREATE EXTENSION pgaudit; CREATE ROLE auditor NOLOGIN; pgaudit.role = 'auditor' in postgresql.conf; GRANT SELECT, INSERT, UPDATE, DELETE ON <tenant tables> TO auditor."),
            $"""
            WITH loaded AS (SELECT {PgAuditLoaded} AS yes),
                 audit AS (SELECT nullif(current_setting('pgaudit.role', true), '') AS role FROM loaded WHERE yes)
            SELECT 'setting shared_preload_libraries', 'does not load pgaudit: no object audit' FROM loaded WHERE NOT yes
            UNION ALL
            SELECT 'extension pgaudit', 'is not installed in this database' FROM audit
            WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pgaudit')
            UNION ALL
            SELECT 'setting pgaudit.role', 'is not set: no object audit' FROM audit WHERE audit.role IS NULL
            UNION ALL
            SELECT 'setting pgaudit.role', 'names ' || audit.role || ', which is not a role' FROM audit
            WHERE audit.role IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = audit.role)
            UNION ALL
            SELECT c.oid::regclass::text, 'is not audited for ' || array_to_string(ARRAY(
                     SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
                     WHERE NOT pg_catalog.has_table_privilege(audit.role, c.oid, p)), ', ') || ': grant it to the audit role ' || audit.role
            FROM audit, {TenantTables}
              AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = audit.role)
              AND EXISTS (SELECT 1 FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
                          WHERE NOT pg_catalog.has_table_privilege(audit.role, c.oid, p))
            """,
            Requirement.ReadAllSettings),
        new(new("BAK-01", "WAL archiving is off or failing", Severity.Medium,
                "Without archived WAL there is no point-in-time recovery; a failing archive_command fills the disk and loses the backup chain.",
                "archive_mode = on with a working archive_command (or a backup tool's), and watch pg_stat_archiver."),
            """
            SELECT 'setting archive_mode', 'is off' WHERE current_setting('archive_mode') = 'off'
            UNION ALL
            SELECT 'pg_stat_archiver', failed_count || ' failed archive attempts, the last at ' || last_failed_time::text
            FROM pg_catalog.pg_stat_archiver WHERE failed_count > 0 AND (last_archived_time IS NULL OR last_failed_time > last_archived_time)
            """,
            Requirement.ReadAllSettings),
        .. CitusChecks.All,
    ];
}
