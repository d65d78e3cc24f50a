namespace WebApi.Domain;

/// <summary>An invoice for one of the same tenant's orders (the foreign key includes the tenant column).</summary>
public sealed class Invoice
{
    public Guid TenantId { get; set; }
    public long Id { get; set; }
    public long OrderId { get; set; }
    public decimal Amount { get; set; }
    public DateOnly DueOn { get; set; }
    public InvoiceStatus Status { get; set; }
}

public enum InvoiceStatus
{
    Open,
    Paid,
    Overdue,
}
