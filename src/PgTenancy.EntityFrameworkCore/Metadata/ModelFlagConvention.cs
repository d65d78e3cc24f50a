using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>
/// Records an option in the model as an annotation set to <see langword="true"/> — the policies verify signed tokens
/// (<see cref="TenancyAnnotationNames.VerifiedTenant"/>), the model runs on Citus (<see cref="TenancyAnnotationNames.Citus"/>) —
/// so that the model snapshot keeps it and migrations write (and move to) that form.
/// </summary>
internal sealed class ModelFlagConvention(string annotation) : IModelFinalizingConvention
{
    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context) =>
        modelBuilder.HasAnnotation(annotation, true);
}
