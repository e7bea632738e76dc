"""The govcloud Pulumi program: ComponentResources built from the catalog."""
