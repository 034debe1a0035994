"""Electronic signature of PDFs (the core: no stage is imported here).

``base`` is the provider interface (``Fournisseur``) and its plain data; two real providers
implement it: ``natif.PadesNatif`` (the portal's own PAdES signature, ``pades``) and
``yousign.FournisseurYousign`` (Yousign API v3). They work on bytes, signers and the provider's
answers; settings are read from django.conf.
"""
