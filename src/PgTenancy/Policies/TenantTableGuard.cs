using PgTenancy.Sql;

namespace PgTenancy;

/// <summary>
/// An optional database guard: a transaction that creates a table with the tenant column must also enable and force
/// row-level security on it before it commits, or it is rolled back with a message naming the table. It catches the
/// migration that adds a tenant table and forgets its policy. An event trigger notes each new table with the tenant
/// column; a deferred constraint trigger checks it at commit. Installing it needs a superuser (event triggers do).
/// </summary>
public static class TenantTableGuard
{
    private const string EventTrigger = "pgtenancy_tenant_table_guard";

    /// <summary>Installs the guard for tables that have a column named <paramref name="tenantColumn"/>.</summary>
    /// <param name="tenantColumn">The tenant column's name.</param>
    /// <param name="schema">The schema of PgTenancy's objects (default <c>pgtenancy</c>).</param>
    public static string InstallSql(string tenantColumn, string schema = TenancyDefaults.Schema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantColumn);
        var s = SqlText.Identifier(schema);
        var column = SqlText.Literal(tenantColumn);
        return $"""
            CREATE SCHEMA IF NOT EXISTS {s};
            CREATE TABLE {s}.pending_isolation (relid oid PRIMARY KEY);
            REVOKE ALL ON {s}.pending_isolation FROM PUBLIC;
            -- SECURITY DEFINER with a pinned search_path: the functions write PgTenancy's own table whoever creates the
            -- table, and no object in the caller's search path can stand in for a catalog one. Neither can be called
            -- directly (event trigger and trigger functions).
            CREATE FUNCTION {s}.note_tenant_table() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $pgtenancy$
            DECLARE created record;
            BEGIN
              FOR created IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE command_tag = 'CREATE TABLE' AND object_type = 'table' LOOP
                IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = created.objid AND attname = {column} AND attnum > 0 AND NOT attisdropped) THEN
                  INSERT INTO {s}.pending_isolation VALUES (created.objid) ON CONFLICT DO NOTHING;
                END IF;
              END LOOP;
            END
            $pgtenancy$;
            CREATE FUNCTION {s}.check_tenant_table() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $pgtenancy$
            BEGIN
              IF EXISTS (SELECT 1 FROM pg_class WHERE oid = NEW.relid AND NOT (relrowsecurity AND relforcerowsecurity)) THEN
                RAISE EXCEPTION 'PgTenancy: table % has the tenant column % but no forced row-level security. Enable tenant isolation on it in the same migration (EnableTenantIsolation).', NEW.relid::regclass, {column};
              END IF;
              DELETE FROM {s}.pending_isolation WHERE relid = NEW.relid;
              RETURN NULL;
            END
            $pgtenancy$;
            REVOKE ALL ON FUNCTION {s}.note_tenant_table(), {s}.check_tenant_table() FROM PUBLIC;
            CREATE CONSTRAINT TRIGGER check_tenant_table AFTER INSERT ON {s}.pending_isolation
              DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {s}.check_tenant_table();
            CREATE EVENT TRIGGER {EventTrigger} ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION {s}.note_tenant_table();
            """;
    }

    /// <summary>The exact inverse of <see cref="InstallSql"/>.</summary>
    public static string UninstallSql(string schema = TenancyDefaults.Schema)
    {
        var s = SqlText.Identifier(schema);
        return $"""
            DROP EVENT TRIGGER {EventTrigger};
            DROP TABLE {s}.pending_isolation;
            DROP FUNCTION {s}.check_tenant_table();
            DROP FUNCTION {s}.note_tenant_table();
            """;
    }
}
