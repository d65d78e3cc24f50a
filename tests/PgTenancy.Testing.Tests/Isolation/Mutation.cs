namespace PgTenancy.Testing.Tests.Isolation;

/// <summary>
/// The mistakes the kit must catch, as SQL run by the superuser on a correct shop. <c>{app}</c> and <c>{owner}</c>
/// stand for the database's roles (see <see cref="ShopModel.CreateAsync"/>).
/// </summary>
internal static class Mutation
{
    private const string Bound = "(SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)";

    public const string AppMemberOfOwner = """GRANT "{owner}" TO "{app}";""";

    public const string BypassRls = """ALTER ROLE "{app}" BYPASSRLS;""";

    /// <summary>The app role made a member of a superuser role (the test server's admin): it can SET ROLE to it.</summary>
    public const string AppMemberOfSuperuser = """GRANT pgtenancy_admin TO "{app}";""";

    public const string UniqueWithoutTenant =
        "ALTER TABLE public.customers DROP CONSTRAINT customers_email_per_tenant; ALTER TABLE public.customers ADD CONSTRAINT customers_email_key UNIQUE (email);";

    /// <summary>Orders reference customers by their id alone (made unique for it), not by (tenant_id, id).</summary>
    public const string ForeignKeyWithoutTenant =
        "ALTER TABLE public.orders DROP CONSTRAINT orders_tenant_id_customer_id_fkey; ALTER TABLE public.customers ADD CONSTRAINT customers_id_key UNIQUE (id); "
        + "ALTER TABLE public.orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES public.customers (id);";

    public static string NotForcedAppOwns(string table) =>
        $"""ALTER TABLE public.{table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE public.{table} OWNER TO "{"{app}"}";""";

    /// <summary>Separate policies per command, with an INSERT policy whose WITH CHECK is always true.</summary>
    public static string InsertWithoutCheck(string table) => $$"""
        DROP POLICY tenant_isolation ON public.{{table}};
        CREATE POLICY p_read ON public.{{table}} FOR SELECT TO "{app}" USING (tenant_id = {{Bound}});
        CREATE POLICY p_change ON public.{{table}} FOR UPDATE TO "{app}" USING (tenant_id = {{Bound}}) WITH CHECK (tenant_id = {{Bound}});
        CREATE POLICY p_remove ON public.{{table}} FOR DELETE TO "{app}" USING (tenant_id = {{Bound}});
        CREATE POLICY p_insert ON public.{{table}} FOR INSERT TO "{app}" WITH CHECK (true);
        """;

    /// <summary>Separate policies per command, with an UPDATE policy whose WITH CHECK is always true: a row can be moved to another tenant.</summary>
    public static string UpdateWithoutCheck(string table) => $$"""
        DROP POLICY tenant_isolation ON public.{{table}};
        CREATE POLICY p_read ON public.{{table}} FOR SELECT TO "{app}" USING (tenant_id = {{Bound}});
        CREATE POLICY p_change ON public.{{table}} FOR UPDATE TO "{app}" USING (tenant_id = {{Bound}}) WITH CHECK (true);
        CREATE POLICY p_remove ON public.{{table}} FOR DELETE TO "{app}" USING (tenant_id = {{Bound}});
        CREATE POLICY p_insert ON public.{{table}} FOR INSERT TO "{app}" WITH CHECK (tenant_id = {{Bound}});
        """;

    public static string UsingTrue(string table) =>
        $$"""DROP POLICY tenant_isolation ON public.{{table}}; CREATE POLICY open ON public.{{table}} FOR ALL TO "{app}" USING (true) WITH CHECK (tenant_id = {{Bound}});""";

    public static string NoRls(string table) =>
        $"DROP POLICY tenant_isolation ON public.{table}; ALTER TABLE public.{table} NO FORCE ROW LEVEL SECURITY; ALTER TABLE public.{table} DISABLE ROW LEVEL SECURITY;";

    /// <summary>The policy compares the tenant setting with the invoice id instead of the tenant column.</summary>
    public static string WrongColumn(string table) =>
        $$"""DROP POLICY tenant_isolation ON public.{{table}}; CREATE POLICY wrong ON public.{{table}} FOR ALL TO "{app}" USING (id = {{Bound}}) WITH CHECK (id = {{Bound}});""";
}
