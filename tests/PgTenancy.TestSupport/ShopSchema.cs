using Npgsql;
using PgTenancy.Testing;

namespace PgTenancy.TestSupport;

/// <summary>
/// A five-table shop, built the way the guide says: composite keys with the tenant column, a customer → order →
/// order line chain of foreign keys that include the tenant, unique keys per tenant, a server-generated identity and
/// uuid key, ENABLE + FORCE row-level security with the PgTenancy policy for the app role (which does not own the
/// tables), DML grants, and the binding installed by the owner. The isolation kit's tests and benchmark run on it.
/// </summary>
public static class ShopSchema
{
    public static readonly string[] Tables = ["customers", "orders", "order_lines", "invoices", "notes"];

    public static async Task CreateAsync(TestDatabase database, TenantIdKind kind, IReadOnlyList<string> tables)
    {
        var type = kind switch { TenantIdKind.Uuid => "uuid", TenantIdKind.BigInt => "bigint", _ => "text" };
        var policies = string.Join("\n", tables.Select(t =>
            new TenantIsolationPolicy(t, "tenant_id") { Schema = "public", TenantKind = kind, AppRoles = [database.AppRole] }.EnableSql()));
        await Db.ExecuteAsync(database.OwnerConnectionString, $"""
            {string.Join("\n", tables.Select(t => Ddl(t, type)))}
            {policies}
            {TenantRoles.GrantDml(database.AppRole, "public")}
            """);
        await using var owner = NpgsqlDataSource.Create(database.OwnerConnectionString);
        await TenancyInstaller.InstallAsync(owner, new TenancyOptions { TenantKind = kind });
    }

    /// <summary>
    /// A correct audit trail on the uuid shop, as SQL for a superuser: a tenant table <c>audit</c> and a trigger that writes
    /// an audit row for the same tenant, as the invoking role, on every change of an order. Verify "audit" with the shop.
    /// </summary>
    public static string AuditTrail(string ownerRole, string appRole) => $$"""
        SET ROLE "{{ownerRole}}";
        CREATE TABLE public.audit (tenant_id uuid NOT NULL, id bigint GENERATED ALWAYS AS IDENTITY, operation text NOT NULL, order_id int NOT NULL, PRIMARY KEY (tenant_id, id));
        ALTER TABLE public.audit ENABLE ROW LEVEL SECURITY; ALTER TABLE public.audit FORCE ROW LEVEL SECURITY;
        CREATE POLICY tenant_isolation ON public.audit FOR ALL TO "{{appRole}}"
          USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)) WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
        GRANT SELECT, INSERT ON public.audit TO "{{appRole}}";
        CREATE FUNCTION public.audit_order() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
        BEGIN
          INSERT INTO public.audit (tenant_id, operation, order_id) VALUES (COALESCE(NEW.tenant_id, OLD.tenant_id), TG_OP, COALESCE(NEW.id, OLD.id));
          RETURN NULL;
        END $$;
        CREATE TRIGGER audit_order AFTER INSERT OR UPDATE OR DELETE ON public.orders FOR EACH ROW EXECUTE FUNCTION public.audit_order();
        RESET ROLE;
        """;

    private static string Ddl(string table, string tenantType) => table switch
    {
        "customers" => $"""
            CREATE TABLE public.customers (
                tenant_id {tenantType} NOT NULL,
                id bigint GENERATED ALWAYS AS IDENTITY,
                name text NOT NULL,
                email text NOT NULL,
                PRIMARY KEY (tenant_id, id),
                CONSTRAINT customers_email_per_tenant UNIQUE (tenant_id, email));
            """,
        "orders" => $"""
            CREATE TABLE public.orders (
                tenant_id {tenantType} NOT NULL,
                id int NOT NULL,
                customer_id bigint NOT NULL,
                amount numeric(10, 2) NOT NULL,
                placed_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant_id, id),
                FOREIGN KEY (tenant_id, customer_id) REFERENCES public.customers (tenant_id, id));
            """,
        "order_lines" => $"""
            CREATE TABLE public.order_lines (
                tenant_id {tenantType} NOT NULL,
                order_id int NOT NULL,
                line_no int NOT NULL,
                sku text NOT NULL,
                quantity int NOT NULL,
                PRIMARY KEY (tenant_id, order_id, line_no),
                FOREIGN KEY (tenant_id, order_id) REFERENCES public.orders (tenant_id, id));
            """,
        "invoices" => $"""
            CREATE TABLE public.invoices (
                tenant_id {tenantType} NOT NULL,
                id uuid NOT NULL DEFAULT gen_random_uuid(),
                number text NOT NULL,
                paid boolean NOT NULL,
                due date,
                PRIMARY KEY (tenant_id, id),
                CONSTRAINT invoices_number_per_tenant UNIQUE (tenant_id, number));
            """,
        "notes" => $"""
            CREATE TABLE public.notes (
                tenant_id {tenantType} NOT NULL,
                id text NOT NULL,
                body jsonb,
                PRIMARY KEY (tenant_id, id));
            """,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, "not a shop table"),
    };
}
