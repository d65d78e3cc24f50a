using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>
/// Records in the model the roles its tenant policies are for (empty: PUBLIC), so that the model snapshot keeps them
/// and naming the roles later makes a migration instead of an empty one.
/// </summary>
internal sealed class PolicyRolesConvention(IReadOnlyList<string> roles) : IModelFinalizingConvention
{
    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context) =>
        modelBuilder.HasAnnotation(TenancyAnnotationNames.PolicyRoles, string.Join(",", roles));
}
