with

source as (

    select * from {{ source('shop', 'products') }}

),

typed as (

    select
        cast(product_id as varchar) as product_id,
        {{ clean_text('cast(title as varchar)') }} as title,
        {{ clean_text('cast(description as varchar)') }} as description,
        lower({{ clean_text('cast(category as varchar)') }}) as category,
        {{ clean_text('cast(brand as varchar)') }} as brand,
        {{ parse_amount('price') }} as price,
        {{ parse_timestamp('created_at') }} as created_at,
        -- the raw text of each value that is there but does not parse, for the record
        {{ unparsed_text('price', parse_amount('price')) }} as raw_price,
        {{ unparsed_text('created_at', parse_timestamp('created_at')) }} as raw_created_at
    from source

),

checked as (

    select
        *,
        {{ first_failed_check([
            ('product_id is null', 'missing_product_id'),
            ('price < 0', 'negative_price'),
            ('created_at > ' ~ future_cutoff(), 'future_created_at'),
        ]) }} as row_defect
    from typed

),

final as (

    {{ flag_duplicates('checked', 'product_id', 'created_at desc nulls last, price asc') }}

)

select * from final
