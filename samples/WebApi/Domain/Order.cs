namespace WebApi.Domain;

/// <summary>A tenant's order. The tenant column is filled from the request's tenant on SaveChanges.</summary>
public sealed class Order
{
    public Guid TenantId { get; set; }
    public long Id { get; set; }
    public required string Customer { get; set; }
    public decimal Total { get; set; }
    public DateTimeOffset PlacedAt { get; set; }
    public List<Invoice> Invoices { get; } = [];
}
