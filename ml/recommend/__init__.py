"""Product recommendations: who should see which products, and how well each way of choosing works.

`data` turns interactions into customer x product matrices as of a point in time, `catalogue`
decides which products may be shown, `recommenders` holds the popularity baseline and the three
personalised recommenders, `scoring` blends them and takes the top k in bounded chunks,
`evaluation` replays the past to measure them, and `pipeline` puts it together for the
ml_recommendations table.
"""
