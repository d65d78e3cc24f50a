using PgTenancy.TestSupport;

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

    // ---- Loose comparisons, caught by tenant ids that sit close to each other (TenantFamilies) ----------------------

    /// <summary>The bound tenant as text, for policies on text tenants or that compare as text.</summary>
    private const string BoundText = "(SELECT NULLIF(current_setting('app.tenant_id', true), ''))";

    /// <summary>A policy on notes whose USING is <paramref name="loose"/> (its WITH CHECK stays strict).</summary>
    private static string LooseUsing(string loose, string check) =>
        $$"""DROP POLICY tenant_isolation ON public.notes; CREATE POLICY loose ON public.notes FOR ALL TO "{app}" USING ({{loose}}) WITH CHECK ({{check}});""";

    /// <summary>Text tenants compared with LIKE: the bound id is a pattern ('_' and '%' match other tenants).</summary>
    public static readonly string LikeTenant = LooseUsing($"tenant_id LIKE {BoundText}", $"tenant_id = {BoundText}");

    /// <summary>Text tenants compared case-insensitively.</summary>
    public static readonly string LowerTenant = LooseUsing($"lower(tenant_id) = lower({BoundText})", $"tenant_id = {BoundText}");

    /// <summary>Text tenants matched by prefix ('t1' reads 't10').</summary>
    public static readonly string PrefixTenant = LooseUsing($"starts_with(tenant_id, {BoundText})", $"tenant_id = {BoundText}");

    /// <summary>Text tenants compared after Unicode normalization (NFKC folds look-alikes together).</summary>
    public static readonly string NormalizedTenant = LooseUsing($"normalize(tenant_id, NFKC) = normalize({BoundText}, NFKC)", $"tenant_id = {BoundText}");

    /// <summary>A case-insensitive, nondeterministic collation on the text tenant column: = itself becomes loose.</summary>
    public static readonly string CaseInsensitiveCollation = $$"""
        CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
        DROP POLICY tenant_isolation ON public.notes;
        ALTER TABLE public.notes ALTER COLUMN tenant_id TYPE text COLLATE case_insensitive;
        CREATE POLICY tenant_isolation ON public.notes FOR ALL TO "{app}" USING (tenant_id = {{BoundText}}) WITH CHECK (tenant_id = {{BoundText}});
        """;

    /// <summary>bigint tenants compared as text by prefix (tenant 1 reads tenant 10's rows).</summary>
    public static readonly string DigitPrefixTenant = LooseUsing($"tenant_id::text LIKE {BoundText} || '%'", $"tenant_id = {BoundText}::bigint");

    /// <summary>uuid tenants compared on their first 30 characters (near uuids collide).</summary>
    public static readonly string UuidPrefixTenant = LooseUsing($"left(tenant_id::text, 30) = left({BoundText}, 30)", $"tenant_id = {BoundText}::uuid");

    // ---- Statements without a tenant -----------------------------------------------------------------------------

    /// <summary>A policy that treats "no tenant bound" as "every tenant" (an admin shortcut).</summary>
    public static readonly string NoTenantMeansAll = LooseUsing($"{BoundText} IS NULL OR tenant_id = {BoundText}::uuid", $"{BoundText} IS NULL OR tenant_id = {BoundText}::uuid");

    /// <summary>A tenant pinned as the app role's default setting: every unbound statement runs as that tenant.</summary>
    public const string RoleDefaultTenant = """ALTER ROLE "{app}" SET app.tenant_id = '00000000-0000-4000-8000-00000000beef';""";

    // ---- Objects around the tables -------------------------------------------------------------------------------

    /// <summary>
    /// A SECURITY DEFINER trigger (owned by the superuser that runs the mutation) that totals an order's lines into the
    /// order, matching the order by its id alone: it adds to every tenant's order with that id.
    /// </summary>
    public const string CrossTenantTrigger = """
        CREATE FUNCTION public.total_order() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        BEGIN UPDATE public.orders SET amount = amount + NEW.quantity WHERE id = NEW.order_id; RETURN NEW; END $$;
        CREATE TRIGGER total_order AFTER INSERT ON public.order_lines FOR EACH ROW EXECUTE FUNCTION public.total_order();
        """;

    /// <summary>A correct audit trail (<see cref="ShopSchema.AuditTrail"/>): every change of an order writes an audit row for the same tenant.</summary>
    public static readonly string AuditTrigger = ShopSchema.AuditTrail("{owner}", "{app}");

    /// <summary>
    /// A tenant table partitioned by tenant, with the tenant policy on the parent and on each partition (a statement may
    /// name a partition directly, and then only the partition's own policies apply).
    /// </summary>
    public const string PartitionedEvents = """
        SET ROLE "{owner}";
        CREATE TABLE public.events (tenant_id uuid NOT NULL, id int NOT NULL, kind text NOT NULL, PRIMARY KEY (tenant_id, id)) PARTITION BY HASH (tenant_id);
        CREATE TABLE public.events_0 PARTITION OF public.events FOR VALUES WITH (MODULUS 2, REMAINDER 0);
        CREATE TABLE public.events_1 PARTITION OF public.events FOR VALUES WITH (MODULUS 2, REMAINDER 1);
        DO $$ DECLARE t text; BEGIN
          FOREACH t IN ARRAY ARRAY['events', 'events_0', 'events_1'] LOOP
            EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
            EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
            EXECUTE format('CREATE POLICY tenant_isolation ON public.%I FOR ALL TO %I USING (tenant_id = (SELECT NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)) WITH CHECK (tenant_id = (SELECT NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid))', t, '{app}');
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO %I', t, '{app}');
          END LOOP;
        END $$;
        RESET ROLE;
        """;

    /// <summary>One partition left without row-level security (its policy dropped, RLS off), still granted to the app role.</summary>
    public const string PartitionWithoutRls =
        "DROP POLICY tenant_isolation ON public.events_1; ALTER TABLE public.events_1 NO FORCE ROW LEVEL SECURITY; ALTER TABLE public.events_1 DISABLE ROW LEVEL SECURITY;";

    /// <summary>A view over notes owned by the superuser, without security_invoker, that the app can read: it shows every tenant's notes.</summary>
    public const string ViewAsOwner = """CREATE VIEW public.all_notes AS SELECT * FROM public.notes; GRANT SELECT ON public.all_notes TO "{app}";""";

    /// <summary>A SECURITY DEFINER function, owned by the superuser, that the app can call and that reads every tenant's notes.</summary>
    public const string DefinerFunction = """
        CREATE FUNCTION public.note_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT count(*) FROM public.notes';
        GRANT EXECUTE ON FUNCTION public.note_count() TO "{app}";
        """;

    /// <summary>Notes with a nullable tenant column and "shared" rows: the policy also shows rows whose tenant is NULL.</summary>
    public static readonly string NullTenantShared = $$"""
        ALTER TABLE public.notes DROP CONSTRAINT notes_pkey;
        ALTER TABLE public.notes ADD COLUMN serial bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
        ALTER TABLE public.notes ALTER COLUMN tenant_id DROP NOT NULL;
        {{LooseUsing($"tenant_id = {BoundText}::uuid OR tenant_id IS NULL", $"tenant_id = {BoundText}::uuid")}}
        """;

    /// <summary>A unique index on an expression without the tenant column: e-mail addresses unique across tenants, case-insensitively.</summary>
    public const string ExpressionUniqueWithoutTenant = "CREATE UNIQUE INDEX customers_lower_email ON public.customers (lower(email));";
}
