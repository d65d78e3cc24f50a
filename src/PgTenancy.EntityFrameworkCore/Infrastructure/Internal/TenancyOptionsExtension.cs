using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Update;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using PgTenancy.EntityFrameworkCore.Binding;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;
using PgTenancy.EntityFrameworkCore.ChangeTracking;
using PgTenancy.EntityFrameworkCore.Metadata;
using PgTenancy.EntityFrameworkCore.Migrations;
using PgTenancy.EntityFrameworkCore.Update;
using PgTenancy.Binding;

namespace PgTenancy.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>
/// The options extension behind <c>UseTenancy()</c>, in the efcore.pg style: immutable (each <c>WithX</c> returns a
/// copy), registering PgTenancy's services in EF's internal service provider.
/// </summary>
/// <remarks>Public for EF Core's infrastructure only; not meant for application code, and may change.</remarks>
public sealed class TenancyOptionsExtension : IDbContextOptionsExtension
{
    /// <summary>The efcore.pg major version whose SaveChanges batching PgTenancy extends (see TenantModificationCommandBatch).</summary>
    public const int SupportedProviderMajorVersion = 10;

    private DbContextOptionsExtensionInfo? _info;
    private TenantBinding? _binding;

    /// <summary>An extension with the default options.</summary>
    public TenancyOptionsExtension()
        : this(TenancyOptions.Default)
    {
    }

    private TenancyOptionsExtension(TenancyOptions options) => Options = options;

    /// <summary>The binding options.</summary>
    public TenancyOptions Options { get; private set; }

    /// <summary>The data source for audited cross-tenant access (a BYPASSRLS role), if configured.</summary>
    public NpgsqlDataSource? BypassDataSource { get; private set; }

    /// <summary>With a name, every entity type with a property of that name is tenant-scoped (a model convention).</summary>
    public string? TenantPropertyConvention { get; private set; }

    /// <summary>Whether tenant-scoped entity types get an EF Core query filter on the tenant (off by default).</summary>
    public bool QueryFilter { get; private set; }

    /// <summary>How keys of tenant-scoped entities that leave out the tenant column are reported (default: warning).</summary>
    public TenantKeyValidation KeyValidation { get; private set; } = TenantKeyValidation.Warning;

    /// <summary>
    /// Whether the model's tenant policies compare with the verified tenant of a signed token (set by a signing key, or
    /// alone for design time, where the key is not needed to write migrations).
    /// </summary>
    public bool VerifiedPolicies { get; private set; }

    /// <summary>The roles the policies written by <c>dotnet ef migrations add</c> apply to; empty for PUBLIC.</summary>
    public IReadOnlyList<string> PolicyRoles { get; private set; } = [];

    /// <summary>Set on the options of a cross-tenant context: why it was opened. Such a context binds no tenant.</summary>
    public string? BypassReason { get; private set; }

    /// <inheritdoc/>
    public DbContextOptionsExtensionInfo Info => _info ??= new ExtensionInfo(this);

    /// <summary>
    /// The binding for these options, shared by every context made from these context options (it caches role checks).
    /// Held here, not in a process-wide table: options that vary (an accessor or a key per configuration) must not
    /// accumulate for the life of the process.
    /// </summary>
    internal TenantBinding Binding => _binding ??= new TenantBinding(Options);

    /// <summary>A copy with other binding options.</summary>
    public TenancyOptionsExtension WithOptions(TenancyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clone = Clone();
        clone.Options = options;
        return clone;
    }

    /// <summary>A copy that allows audited cross-tenant access through <paramref name="dataSource"/>.</summary>
    public TenancyOptionsExtension WithBypassDataSource(NpgsqlDataSource? dataSource)
    {
        var clone = Clone();
        clone.BypassDataSource = dataSource;
        return clone;
    }

    /// <summary>A copy that marks entity types with a property named <paramref name="propertyName"/> as tenant-scoped.</summary>
    public TenancyOptionsExtension WithTenantPropertyConvention(string? propertyName)
    {
        var clone = Clone();
        clone.TenantPropertyConvention = propertyName;
        return clone;
    }

    /// <summary>A copy with the tenant query filter on or off.</summary>
    public TenancyOptionsExtension WithQueryFilter(bool enabled)
    {
        var clone = Clone();
        clone.QueryFilter = enabled;
        return clone;
    }

    /// <summary>A copy with another key validation mode.</summary>
    public TenancyOptionsExtension WithKeyValidation(TenantKeyValidation mode)
    {
        var clone = Clone();
        clone.KeyValidation = mode;
        return clone;
    }

    /// <summary>A copy whose policies compare with the verified tenant, or not.</summary>
    public TenancyOptionsExtension WithVerifiedPolicies(bool verified)
    {
        var clone = Clone();
        clone.VerifiedPolicies = verified;
        return clone;
    }

    /// <summary>A copy whose generated policies apply to <paramref name="roles"/>.</summary>
    public TenancyOptionsExtension WithPolicyRoles(IReadOnlyList<string> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var clone = Clone();
        clone.PolicyRoles = roles;
        return clone;
    }

    /// <summary>A copy for a cross-tenant context opened for <paramref name="reason"/>.</summary>
    public TenancyOptionsExtension WithBypassReason(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var clone = Clone();
        clone.BypassReason = reason;
        return clone;
    }

    // efcore.pg style: a copy of every setting of this instance; the caller replaces one. Caches start empty.
    private TenancyOptionsExtension Clone()
    {
        var clone = (TenancyOptionsExtension)MemberwiseClone();
        clone._info = null;
        clone._binding = null;
        return clone;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Registers types, never instances built from these options: each service reads the options of the context it
    /// serves (<see cref="IDbContextOptions"/>), as EFCore.NamingConventions does, so that nothing of one configuration
    /// is baked into a service provider that another context could share.
    /// </remarks>
    public void ApplyServices(IServiceCollection services)
    {
        new EntityFrameworkRelationalServicesBuilder(services)
            .TryAdd<IInterceptor, TenantCommandInterceptor>()
            .TryAdd<IInterceptor, TenantEntitiesInterceptor>()
            .TryAdd<IConventionSetPlugin, TenancyConventionSetPlugin>();

        // Replace, not TryAdd: efcore.pg has registered its own generator, differ and batch factory already.
        services.Replace(ServiceDescriptor.Scoped<IMigrationsSqlGenerator, TenancyMigrationsSqlGenerator>());
        services.Replace(ServiceDescriptor.Scoped<IMigrationsModelDiffer, TenancyMigrationsModelDiffer>());
        services.Replace(ServiceDescriptor.Scoped<IModificationCommandBatchFactory, TenantModificationCommandBatchFactory>());
        // PgTenancy's interceptors after the application's, so that the binding applies to the command that runs.
        services.Replace(ServiceDescriptor.Scoped<IInterceptors, TenancyInterceptors>());
    }

    /// <inheritdoc/>
    public void Validate(IDbContextOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        PackageVersions.EnsureSiblingsMatch(typeof(TenancyOptionsExtension).Assembly);
        if (!options.Extensions.Any(e => e.GetType().FullName == "Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.Internal.NpgsqlOptionsExtension"))
        {
            throw new InvalidOperationException(
                "UseTenancy() needs the PostgreSQL provider: call optionsBuilder.UseNpgsql(…) before UseTenancy().");
        }

#pragma warning disable EF1001 // To pin efcore.pg's major version; listed in docs/ef-core.md#ef-core-and-efcorepg-internals-pgtenancy-depends-on.
        var provider = typeof(Npgsql.EntityFrameworkCore.PostgreSQL.Update.Internal.NpgsqlModificationCommandBatch).Assembly.GetName().Version;
#pragma warning restore EF1001
        if (provider?.Major != SupportedProviderMajorVersion)
        {
            throw new InvalidOperationException(
                $"This PgTenancy.EntityFrameworkCore is built for Npgsql.EntityFrameworkCore.PostgreSQL {SupportedProviderMajorVersion}.x, but {provider} is loaded; "
                + "its SaveChanges batching is extended and may differ. Use the PgTenancy release made for your provider's major version.");
        }
    }

    private sealed class ExtensionInfo(TenancyOptionsExtension extension) : DbContextOptionsExtensionInfo(extension)
    {
        private new TenancyOptionsExtension Extension => (TenancyOptionsExtension)base.Extension;

        public override bool IsDatabaseProvider => false;

        public override string LogFragment =>
            $"using PgTenancy (setting {Extension.Options.SettingName}, {Extension.Options.TenantKind} tenants) ";

        // Services read the options per context, so sharing a provider would be safe; but EF Core caches the model per
        // service provider, and the conventions that build it read these options. So the binding options are compared
        // whole (a record: a new option cannot be forgotten here), with the model-shaping settings. The bypass data
        // source, the bypass reason and the policy roles are read per context and do not multiply service providers.
        public override int GetServiceProviderHashCode() =>
            HashCode.Combine(Extension.Options, Extension.TenantPropertyConvention, Extension.QueryFilter, Extension.KeyValidation, Extension.VerifiedPolicies, string.Join(",", Extension.PolicyRoles));

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) =>
            other is ExtensionInfo o
            && o.Extension.Options == Extension.Options
            && o.Extension.TenantPropertyConvention == Extension.TenantPropertyConvention
            && o.Extension.QueryFilter == Extension.QueryFilter
            && o.Extension.KeyValidation == Extension.KeyValidation
            && o.Extension.VerifiedPolicies == Extension.VerifiedPolicies
            && o.Extension.PolicyRoles.SequenceEqual(Extension.PolicyRoles);

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo)
        {
            debugInfo["PgTenancy:SettingName"] = Extension.Options.SettingName;
            debugInfo["PgTenancy:TenantKind"] = Extension.Options.TenantKind.ToString();
        }
    }
}
