using System.Text.RegularExpressions;

namespace PgTenancy;

/// <summary>
/// How PgTenancy binds tenants: which setting carries the tenant, which kind of id the tenant column holds, what
/// happens without a tenant, and where the database objects of the binding live. Immutable, with value equality: two
/// options are equal when every setting is (the accessor by reference), and <c>with</c> makes a changed copy.
/// </summary>
public sealed partial record TenancyOptions
{
    /// <summary>The options used when none are given: <c>app.tenant_id</c>, uuid tenants, throw without a tenant.</summary>
    public static TenancyOptions Default { get; } = new();

    /// <summary>
    /// The custom setting that carries the tenant (default <c>app.tenant_id</c>): two lower-case identifiers joined by
    /// a dot, as PostgreSQL requires of custom settings. The policies read it with <c>current_setting(…, true)</c>.
    /// </summary>
    public string SettingName { get; init; } = TenancyDefaults.SettingName;

    /// <summary>The type of the tenant column (default <see cref="TenantIdKind.Uuid"/>).</summary>
    public TenantIdKind TenantKind { get; init; } = TenantIdKind.Uuid;

    /// <summary>What happens to a statement executed with no current tenant (default: throw before sending it).</summary>
    public MissingTenantBehavior MissingTenant { get; init; } = MissingTenantBehavior.Throw;

    /// <summary>Where the current tenant is read at each execution (default: the ambient <see cref="TenantScope"/>).</summary>
    public ITenantAccessor TenantAccessor { get; init; } = AmbientTenantAccessor.Instance;

    /// <summary>The schema that holds the binding's procedures (default <c>pgtenancy</c>), made by <see cref="TenancyInstaller"/>.</summary>
    public string Schema { get; init; } = TenancyDefaults.Schema;

    /// <summary>
    /// Refuse connections whose role is a superuser or has BYPASSRLS (default <see langword="true"/>): row-level
    /// security does not apply to them, so every tenant's rows would be visible. Checked once per physical connection.
    /// </summary>
    public bool RefuseBypassRoles { get; init; } = true;

    /// <summary>
    /// Also sets <c>application_name</c> to <c>tenant:&lt;id&gt;</c> for each bound statement's transaction (default
    /// <see langword="false"/>), so that every log line of the statement — pgaudit's included, with <c>%a</c> in
    /// <c>log_line_prefix</c> — names the tenant. It replaces the connection's own application name during the
    /// transaction, and long text ids are cut at 63 bytes. Costs a little throughput (docs/benchmarks.md).
    /// </summary>
    public bool TenantInApplicationName { get; init; }

    /// <summary>
    /// The key that signs the tenant of each statement (default none: the tenant is bound unsigned). With a key, the
    /// binding sends a short-lived token that only this key can make, and the policies — installed with verification,
    /// see <see cref="TenancyInstaller.InstallVerificationAsync"/> — accept no tenant without a valid one: SQL that sets
    /// the tenant setting itself, an injection or a session opened with the application role's password, binds none.
    /// </summary>
    public TenantSigningKey? SigningKey { get; init; }

    /// <summary>
    /// How long a signed token is accepted after it is made (default 5 minutes). Tokens are made for each statement, so
    /// this bounds the clock difference between the application and the server, and how long a leaked token replays.
    /// </summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether a command's SQL may hold more than one statement (default <see langword="false"/>). Stacked statements
    /// are how an injection runs SQL of its own choosing (<c>x'; DELETE FROM …; --</c>), so by default each command is
    /// sent as one statement of an Npgsql batch, which Npgsql and PostgreSQL refuse to split: the command fails before
    /// anything of it runs. Send several statements through a <see cref="TenantBatch"/> instead; set this only for
    /// SQL the application writes itself.
    /// </summary>
    public bool AllowMultipleStatements { get; init; }

    /// <summary>
    /// Citus mode (default <see langword="false"/>), for an application connected to the coordinator of a Citus cluster:
    /// the coordinator forwards a setting to the workers that hold the shards only when it is set with <c>SET LOCAL</c> in
    /// an explicit transaction, with <c>citus.propagate_set_commands = 'local'</c>. Each bound execution then carries
    /// both <c>SET LOCAL</c> statements in front of the caller's statements, inside the caller's transaction or, without
    /// one, inside <c>BEGIN … COMMIT</c> in the same round trip. A transaction is bound to the tenant of its statements.
    /// Policies must use their subquery-free form on distributed tables (<see cref="TenantIsolationPolicy.Citus"/>).
    /// See docs/citus.md.
    /// </summary>
    public bool Citus { get; init; }

    /// <summary>Checks the options and throws, naming the option and the fix, when one is invalid.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public void Validate()
    {
        if (string.IsNullOrEmpty(SettingName) || !SettingPattern().IsMatch(SettingName))
        {
            throw new ArgumentException(
                $"TenancyOptions.SettingName '{SettingName}' is not a custom setting name: use two lower-case identifiers joined by a dot, such as 'app.tenant_id'.",
                nameof(SettingName));
        }

        if (string.IsNullOrEmpty(Schema) || !IdentifierPattern().IsMatch(Schema))
        {
            throw new ArgumentException(
                $"TenancyOptions.Schema '{Schema}' is not a plain identifier: use lower-case letters, digits and underscores, starting with a letter or underscore, such as 'pgtenancy'.",
                nameof(Schema));
        }

        if (!Enum.IsDefined(TenantKind))
        {
            throw new ArgumentException($"TenancyOptions.TenantKind {(int)TenantKind} is not a TenantIdKind.", nameof(TenantKind));
        }

        if (!Enum.IsDefined(MissingTenant))
        {
            throw new ArgumentException($"TenancyOptions.MissingTenant {(int)MissingTenant} is not a MissingTenantBehavior.", nameof(MissingTenant));
        }

        if (TokenLifetime <= TimeSpan.Zero || TokenLifetime > TimeSpan.FromDays(1))
        {
            throw new ArgumentException($"TenancyOptions.TokenLifetime {TokenLifetime} is out of range: use a positive time of at most a day (the default is 5 minutes).", nameof(TokenLifetime));
        }

        if (TenantAccessor is null)
        {
            throw new ArgumentException("TenancyOptions.TenantAccessor is null; leave it unset for the ambient TenantScope.", nameof(TenantAccessor));
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}\\.[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SettingPattern();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();
}
