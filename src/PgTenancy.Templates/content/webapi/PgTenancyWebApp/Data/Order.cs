namespace PgTenancyWebApp.Data;

/// <summary>An order of one tenant.</summary>
public sealed class Order
{
    /// <summary>The tenant column: filled in from the current tenant on insert, compared by the row-level security policy.</summary>
    public Guid TenantId { get; set; }

    public long Id { get; set; }

    public string Customer { get; set; } = "";

    public decimal Total { get; set; }
}
