using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>Records in the model that its tenant policies verify signed tokens, so that migrations write (and move to) that form.</summary>
internal sealed class VerifiedTenantConvention : IModelFinalizingConvention
{
    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context) =>
        modelBuilder.HasAnnotation(TenancyAnnotationNames.VerifiedTenant, true);
}
