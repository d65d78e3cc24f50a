using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using PgTenancy.EntityFrameworkCore.Diagnostics;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>
/// Adds PgTenancy's model conventions, as the context's <c>UseTenancy()</c> options ask, in the EFCore.NamingConventions
/// style: one plugin registered by type, reading the options of the context whose model it builds.
/// </summary>
internal sealed class TenancyConventionSetPlugin(
    IDbContextOptions options, IRelationalTypeMappingSource typeMappings, ILoggerFactory loggers) : IConventionSetPlugin
{
    public ConventionSet ModifyConventions(ConventionSet conventionSet)
    {
        var tenancy = options.FindExtension<TenancyOptionsExtension>() ?? new TenancyOptionsExtension();
        if (tenancy.TenantPropertyConvention is { } propertyName)
        {
            conventionSet.ModelFinalizingConventions.Add(new TenantPropertyConvention(propertyName));
        }

        // After the property convention, so that the properties it marks are checked too.
        conventionSet.ModelFinalizingConventions.Add(new TenantKindConvention(tenancy.Options.TenantKind));

        if (tenancy.VerifiedPolicies)
        {
            conventionSet.ModelFinalizingConventions.Add(new ModelFlagConvention(TenancyAnnotationNames.VerifiedTenant));
        }

        conventionSet.ModelFinalizingConventions.Add(new PolicyRolesConvention(tenancy.PolicyRoles));

        if (tenancy.Options.Citus)
        {
            conventionSet.ModelFinalizingConventions.Add(new ModelFlagConvention(TenancyAnnotationNames.Citus));
        }

        if (tenancy.QueryFilter)
        {
            conventionSet.ModelFinalizingConventions.Add(new TenantQueryFilterConvention(typeMappings, tenancy.Options, tenancy.VerifiedPolicies));
        }

        if (tenancy.KeyValidation != TenantKeyValidation.Off)
        {
            conventionSet.ModelFinalizedConventions.Add(
                new TenantKeyValidationConvention(tenancy.KeyValidation, loggers.CreateLogger(TenancyLog.Category)));
        }

        return conventionSet;
    }
}
