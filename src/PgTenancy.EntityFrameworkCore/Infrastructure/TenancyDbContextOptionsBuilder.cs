using Npgsql;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;

namespace PgTenancy.EntityFrameworkCore.Infrastructure;

/// <summary>
/// Configures PgTenancy for a <c>DbContext</c>, inside <c>UseTenancy(o => …)</c>. Each method returns the builder, so
/// calls chain; the settings are the same as <see cref="TenancyOptions"/> for ADO.NET.
/// </summary>
public sealed class TenancyDbContextOptionsBuilder
{
    internal TenancyDbContextOptionsBuilder(TenancyOptionsExtension extension) => Extension = extension;

    internal TenancyOptionsExtension Extension { get; private set; }

    private TenancyOptions Options
    {
        get => Extension.Options;
        set => Extension = Extension.WithOptions(value);
    }

    /// <summary>The type of the tenant columns (default <see cref="TenantIdKind.Uuid"/>).</summary>
    public TenancyDbContextOptionsBuilder TenantKind(TenantIdKind kind)
    {
        Options = Options with { TenantKind = kind };
        return this;
    }

    /// <summary>
    /// Names the tenant in <c>application_name</c> for each bound statement's transaction, so that log lines (pgaudit's
    /// too, with <c>%a</c> in <c>log_line_prefix</c>) are attributable to it. See <see cref="TenancyOptions.TenantInApplicationName"/>.
    /// </summary>
    public TenancyDbContextOptionsBuilder TenantInApplicationName(bool enabled = true)
    {
        Options = Options with { TenantInApplicationName = enabled };
        return this;
    }

    /// <summary>
    /// Signs the tenant of every statement with <paramref name="key"/>, and makes the model's tenant policies compare
    /// with the verified tenant (<see cref="VerifiedPolicies"/>): SQL that sets the tenant setting itself — an injection,
    /// or a session opened with the application role's password — then binds no tenant. Needs verification installed
    /// (<c>migrationBuilder.InstallTenantVerification()</c>) and the key installed by the owner (docs/security.md).
    /// </summary>
    public TenancyDbContextOptionsBuilder SigningKey(TenantSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Options = Options with { SigningKey = key };
        Extension = Extension.WithVerifiedPolicies(true);
        return this;
    }

    /// <summary>
    /// Makes the model's tenant policies compare with the verified tenant of a signed token, without a key: for the
    /// design-time context of <c>dotnet ef</c>, which writes migrations and never binds a tenant. The application's
    /// own context gives the key with <see cref="SigningKey"/>. Switching writes a migration that replaces every
    /// tenant table's policy in one transaction.
    /// </summary>
    public TenancyDbContextOptionsBuilder VerifiedPolicies(bool enabled = true)
    {
        Extension = Extension.WithVerifiedPolicies(enabled);
        return this;
    }

    /// <summary>
    /// Lets raw SQL (<c>FromSql…</c>, <c>SqlQuery…</c>, <c>ExecuteSql…</c>) hold more than one statement (default: refused,
    /// see <see cref="TenancyOptions.AllowMultipleStatements"/>). EF Core's own SQL is one statement and unaffected.
    /// </summary>
    public TenancyDbContextOptionsBuilder AllowMultipleStatements(bool allow = true)
    {
        Options = Options with { AllowMultipleStatements = allow };
        return this;
    }

    /// <summary>
    /// Whether a connection whose role is a superuser or has BYPASSRLS is refused (default <see langword="true"/>). See
    /// <see cref="TenancyOptions.RefuseBypassRoles"/>; turn it off only for tests that study such a role on purpose.
    /// </summary>
    public TenancyDbContextOptionsBuilder RefuseBypassRoles(bool refuse = true)
    {
        Options = Options with { RefuseBypassRoles = refuse };
        return this;
    }

    /// <summary>The custom setting that carries the tenant (default <c>app.tenant_id</c>).</summary>
    public TenancyDbContextOptionsBuilder SettingName(string settingName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(settingName);
        Options = Options with { SettingName = settingName };
        return this;
    }

    /// <summary>What happens to a statement executed with no current tenant (default: throw before sending it).</summary>
    public TenancyDbContextOptionsBuilder MissingTenant(MissingTenantBehavior behavior)
    {
        Options = Options with { MissingTenant = behavior };
        return this;
    }

    /// <summary>Where the current tenant is read at each execution (default: the ambient <see cref="TenantScope"/>).</summary>
    public TenancyDbContextOptionsBuilder TenantAccessor(ITenantAccessor accessor)
    {
        ArgumentNullException.ThrowIfNull(accessor);
        Options = Options with { TenantAccessor = accessor };
        return this;
    }

    /// <summary>The schema of the binding's procedures (default <c>pgtenancy</c>).</summary>
    public TenancyDbContextOptionsBuilder Schema(string schema)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        Options = Options with { Schema = schema };
        return this;
    }

    /// <summary>
    /// Marks every entity type that has a property named <paramref name="propertyName"/> as tenant-scoped, as if
    /// <c>IsTenantScoped</c> were called for it (an explicit <c>IsTenantScoped</c> wins).
    /// </summary>
    public TenancyDbContextOptionsBuilder TenantPropertyConvention(string propertyName = "TenantId")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(propertyName);
        Extension = Extension.WithTenantPropertyConvention(propertyName);
        return this;
    }

    /// <summary>
    /// Citus mode, for a context connected to the coordinator of a Citus cluster (see <see cref="TenancyOptions.Citus"/>
    /// and docs/citus.md): every statement binds the tenant with <c>SET LOCAL</c> in a transaction (SaveChanges always
    /// opens one); every query of a tenant-scoped entity carries the tenant as a parameter (the query filter, on), so
    /// Citus routes it to the tenant's shard; migrations distribute tenant tables by their tenant column and write
    /// subquery-free policies.
    /// </summary>
    public TenancyDbContextOptionsBuilder Citus(bool enabled = true)
    {
        Options = Options with { Citus = enabled };
        Extension = Extension.WithQueryFilter(enabled || Extension.QueryFilter);
        return this;
    }

    /// <summary>
    /// Adds an EF Core query filter <c>tenant property == current tenant</c> to every tenant-scoped entity type, as
    /// defence in depth for LINQ queries if row-level security were ever missing. Off by default: row-level security
    /// is the enforcement, and a filter on top would hide a broken policy from tests such as the isolation kit. The
    /// filter reads the ambient <see cref="TenantScope"/> at each execution (not a custom accessor); it does not cover
    /// raw SQL, and cross-tenant contexts are made without it.
    /// </summary>
    public TenancyDbContextOptionsBuilder UseQueryFilter(bool enabled = true)
    {
        Extension = Extension.WithQueryFilter(enabled);
        return this;
    }

    /// <summary>
    /// How unique indexes, alternate keys and foreign keys of tenant-scoped entities that leave out the tenant column
    /// are reported when the model is built (default <see cref="Metadata.TenantKeyValidation.Warning"/>): uniqueness and
    /// foreign-key checks bypass row-level security, so such keys leak existence across tenants.
    /// </summary>
    public TenancyDbContextOptionsBuilder TenantKeyValidation(Metadata.TenantKeyValidation mode)
    {
        Extension = Extension.WithKeyValidation(mode);
        return this;
    }

    /// <summary>
    /// The roles the tenant policies written by <c>dotnet ef migrations add</c> apply to (default: PUBLIC, which is
    /// every role without BYPASSRLS). Name the application role here to keep the policy as narrow as docs/concepts.md shows.
    /// </summary>
    public TenancyDbContextOptionsBuilder PolicyRoles(params string[] roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        Extension = Extension.WithPolicyRoles([.. roles]);
        return this;
    }

    /// <summary>
    /// Allows audited cross-tenant access (background jobs, admin screens) through <paramref name="bypassDataSource"/>,
    /// which must connect as a role with BYPASSRLS or a dedicated policy — never the application role. Without this,
    /// <c>CreateCrossTenantContext</c> throws. There is no setting that SQL could flip to bypass the policies: the
    /// bypass is a different role on a different connection.
    /// </summary>
    public TenancyDbContextOptionsBuilder AllowBypass(NpgsqlDataSource bypassDataSource)
    {
        ArgumentNullException.ThrowIfNull(bypassDataSource);
        Extension = Extension.WithBypassDataSource(bypassDataSource);
        return this;
    }
}
